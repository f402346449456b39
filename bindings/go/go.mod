module zkclient/bindings/go/zk

go 1.19
