//go:build !zkclient_pkgconfig

package zk

// Inside the zkclient repository (the default): the header from include/ and the library
// that `make build` (or `cargo build --release`) leaves in target/release/, found at run time
// through an rpath. Build with -tags zkclient_pkgconfig to use an installed library instead
// (cgo_pkgconfig.go). CGO_CFLAGS and CGO_LDFLAGS from the environment come first, so they
// can point elsewhere without a tag.

// #cgo CFLAGS: -I${SRCDIR}/../../include
// #cgo LDFLAGS: -L${SRCDIR}/../../target/release -Wl,-rpath,${SRCDIR}/../../target/release -lzkclient
import "C"
