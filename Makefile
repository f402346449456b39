# The two commands of README.md, and a few conveniences.
.PHONY: demo test chaos build header clean bench install uninstall fuzz

# Build the library, start a local ZooKeeper, run the C quick start against it.
demo:
	scripts/demo.sh

# Everything: formatting, clippy, header check, Rust tests, C/C++ examples under ctest.
test:
	scripts/test.sh

# The lock's chaos run (tests/chaos.rs) with longer settings than `make test` gives it:
# 8 sessions x 1000 acquisitions, 30 leader kills, quorum losses and partitions (ZK_CHAOS_*).
chaos:
	scripts/chaos.sh

# zkclient vs libzookeeper_mt on the workloads of WORKLOADS.md (BENCH_SCALE, BENCH_PAIRS).
bench:
	scripts/bench.sh

# FEATURES=gssapi builds SASL GSSAPI (Kerberos) in, on the system's MIT GSSAPI library
# (Debian: libkrb5-dev); the installed pkg-config file then lists -lgssapi_krb5 for static links.
FEATURES ?=
CARGO_FEATURES := $(if $(FEATURES),--features $(FEATURES))
EXTRA_PRIVATE_LIBS := $(if $(findstring gssapi,$(FEATURES)),-lgssapi_krb5)

build:
	cargo build --release $(CARGO_FEATURES)

# Fuzz proto (frame splitter, every reply decoder): FUZZ_RUNS executions per target, default
# 5,000,000 (fuzz/run.sh; `make test` runs 10 s per target).
fuzz:
	fuzz/run.sh long

# Regenerate include/zkclient.h (cargo build does it too).
header: build

# Installs the library (shared and static), the header and a pkg-config file:
#   make install [PREFIX=/usr/local] [LIBDIR=$(PREFIX)/lib] [DESTDIR=staging dir] [FEATURES=gssapi]
# then build with: cc app.c $(pkg-config --cflags --libs zkclient)
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

install: build
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	install -m 755 target/release/libzkclient.so $(DESTDIR)$(LIBDIR)/libzkclient.so
	install -m 644 target/release/libzkclient.a $(DESTDIR)$(LIBDIR)/libzkclient.a
	install -m 644 include/zkclient.h $(DESTDIR)$(INCLUDEDIR)/zkclient.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' -e 's|@EXTRA_PRIVATE_LIBS@|$(EXTRA_PRIVATE_LIBS)|' scripts/zkclient.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/zkclient.pc
	chmod 644 $(DESTDIR)$(LIBDIR)/pkgconfig/zkclient.pc

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libzkclient.so $(DESTDIR)$(LIBDIR)/libzkclient.a \
	    $(DESTDIR)$(INCLUDEDIR)/zkclient.h $(DESTDIR)$(LIBDIR)/pkgconfig/zkclient.pc

clean:
	cargo clean
	rm -rf build
