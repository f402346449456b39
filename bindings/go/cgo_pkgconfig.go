//go:build zkclient_pkgconfig

package zk

// An installed libzkclient (`make install`): flags from pkg-config's zkclient.pc. Set
// PKG_CONFIG_PATH when it is not in a standard prefix.

// #cgo pkg-config: zkclient
import "C"
