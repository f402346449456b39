# The two commands of README.md, and a few conveniences.
.PHONY: demo test chaos build header clean bench bench-instructions install uninstall fuzz abi-check abi-update docs

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

# zkclient vs zookeeper-client 0.11 (async Rust) and libzookeeper_mt on the workloads of
# WORKLOADS.md, in rotations, plus client instructions per request under callgrind; writes
# bench/results.md and bench/instructions.md (BENCH_SCALE, BENCH_ROTATIONS, BENCH_ONLY;
# bench/README.md).
bench:
	scripts/bench.sh

# Only the instruction counts (callgrind, about 2 minutes): bench/instructions.md.
bench-instructions:
	BENCH_ONLY=instructions scripts/bench.sh

# FEATURES=gssapi builds SASL GSSAPI (Kerberos) in, on the system's MIT GSSAPI library
# (Debian: libkrb5-dev); the installed pkg-config file then lists -lgssapi_krb5 for static links.
FEATURES ?=
CARGO_FEATURES := $(if $(FEATURES),--features $(FEATURES))
EXTRA_PRIVATE_LIBS := $(if $(findstring gssapi,$(FEATURES)),-lgssapi_krb5)

# Also links target/release/libzkclient.so.0 (the soname, which programs linked against
# target/release load) to the library cargo built.
build:
	cargo build --release $(CARGO_FEATURES)
	ln -sfn libzkclient.so target/release/libzkclient.so.0

# Fuzz proto (frame splitter, every reply decoder): FUZZ_RUNS executions per target, default
# 5,000,000 (fuzz/run.sh; `make test` runs 10 s per target).
fuzz:
	fuzz/run.sh long

# Regenerate include/zkclient.h (cargo build does it too).
header: build

# Installs the library (shared and static, stripped), the header, a pkg-config file, a
# CMake package and the command line tool zkcli (stripped):
#   make install [PREFIX=/usr/local] [LIBDIR=$(PREFIX)/lib] [INCLUDEDIR=$(PREFIX)/include]
#                [BINDIR=$(PREFIX)/bin] [DESTDIR=staging dir] [FEATURES=gssapi]
#                [DEBUG_INFO=1 [DEBUGDIR=...]]
# then build with: cc app.c $(pkg-config --cflags --libs zkclient), or in CMake
# find_package(zkclient 0.1 REQUIRED) and the target zkclient::zkclient (or ::zkclient_static).
#   $(LIBDIR)/libzkclient.so.$(VERSION)      the library, soname libzkclient.so.$(SOVERSION)
#   $(LIBDIR)/libzkclient.so.$(SOVERSION)    -> libzkclient.so.$(VERSION) (what programs load)
#   $(LIBDIR)/libzkclient.so        -> libzkclient.so.$(SOVERSION) (what -lzkclient finds)
#   $(LIBDIR)/libzkclient.a, $(INCLUDEDIR)/zkclient.h, $(INCLUDEDIR)/zkclient.hpp (the C++
#   API, header-only: include it instead of zkclient.h), $(LIBDIR)/pkgconfig/zkclient.pc,
#   $(LIBDIR)/cmake/zkclient/zkclientConfig.cmake, zkclientConfigVersion.cmake
#   $(BINDIR)/zkcli                 the command line tool (README.md, "Command line: zkcli"); it
#                                   links the library statically, and is always stripped
# DEBUG_INFO=1 also keeps the shared library's debug information, in the build-id layout
# gdb, perf and systemd-coredump look in: $(DEBUGDIR)/.build-id/xx/yyyy.debug (the library
# gets a .gnu_debuglink to it), and leaves the static library's in it (an archive has no
# separate debug file: its debug information goes into the programs linked with it).
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
DEBUGDIR ?= $(PREFIX)/lib/debug
DEBUG_INFO ?=
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
VERSION_MAJOR := $(word 1,$(subst ., ,$(VERSION)))
VERSION_MINOR := $(word 2,$(subst ., ,$(VERSION)))
# The soname's number: README.md, "ABI compatibility", says when it changes (with build.rs's
# -soname and the version nodes of scripts/zkclient.map).
SOVERSION := 0
STATIC_LIBS := gcc_s;util;rt;pthread;m;dl$(if $(findstring gssapi,$(FEATURES)),;gssapi_krb5)
STAGE := build/install

install: build
	rm -rf $(STAGE) && mkdir -p $(STAGE)
	strip --strip-unneeded -o $(STAGE)/libzkclient.so.$(VERSION) target/release/libzkclient.so
	$(if $(DEBUG_INFO),cp target/release/libzkclient.a $(STAGE)/libzkclient.a, \
	    strip --strip-debug -o $(STAGE)/libzkclient.a target/release/libzkclient.a)
	strip -o $(STAGE)/zkcli target/release/zkcli
ifneq ($(DEBUG_INFO),)
	set -e; id=$$(readelf -n target/release/libzkclient.so | sed -n 's/.*Build ID: *//p'); \
	    [ -n "$$id" ] || { echo "install: target/release/libzkclient.so has no build id" >&2; exit 1; }; \
	    dbg=$(STAGE)/.build-id/$$(echo $$id | cut -c1-2)/$$(echo $$id | cut -c3-).debug; \
	    mkdir -p $$(dirname $$dbg); \
	    objcopy --only-keep-debug --compress-debug-sections target/release/libzkclient.so $$dbg; \
	    objcopy --add-gnu-debuglink=$$dbg $(STAGE)/libzkclient.so.$(VERSION); \
	    install -d $(DESTDIR)$(DEBUGDIR)/.build-id/$$(echo $$id | cut -c1-2); \
	    install -m 644 $$dbg $(DESTDIR)$(DEBUGDIR)/.build-id/$$(echo $$id | cut -c1-2)/
endif
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(LIBDIR)/cmake/zkclient $(DESTDIR)$(INCLUDEDIR) \
	    $(DESTDIR)$(BINDIR)
	install -m 755 $(STAGE)/zkcli $(DESTDIR)$(BINDIR)/zkcli
	install -m 755 $(STAGE)/libzkclient.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libzkclient.so.$(VERSION)
	ln -sfn libzkclient.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libzkclient.so.$(SOVERSION)
	ln -sfn libzkclient.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libzkclient.so
	install -m 644 $(STAGE)/libzkclient.a $(DESTDIR)$(LIBDIR)/libzkclient.a
	install -m 644 include/zkclient.h $(DESTDIR)$(INCLUDEDIR)/zkclient.h
	install -m 644 include/zkclient.hpp $(DESTDIR)$(INCLUDEDIR)/zkclient.hpp
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' -e 's|@EXTRA_PRIVATE_LIBS@|$(EXTRA_PRIVATE_LIBS)|' scripts/zkclient.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/zkclient.pc
	chmod 644 $(DESTDIR)$(LIBDIR)/pkgconfig/zkclient.pc
	sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@SOVERSION@|$(SOVERSION)|g' -e 's|@STATIC_LIBS@|$(STATIC_LIBS)|' \
	    -e 's|@REL_LIBDIR@|../..|' \
	    -e "s|@REL_INCLUDEDIR@|$$(realpath -m --relative-to=$(LIBDIR)/cmake/zkclient $(INCLUDEDIR))|" \
	    scripts/zkclientConfig.cmake.in >$(DESTDIR)$(LIBDIR)/cmake/zkclient/zkclientConfig.cmake
	sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@VERSION_MAJOR@|$(VERSION_MAJOR)|g' \
	    -e 's|@VERSION_MINOR@|$(VERSION_MINOR)|g' -e "s|@SIZEOF_VOID_P@|$$(( $$(getconf LONG_BIT) / 8 ))|" \
	    scripts/zkclientConfigVersion.cmake.in >$(DESTDIR)$(LIBDIR)/cmake/zkclient/zkclientConfigVersion.cmake
	chmod 644 $(DESTDIR)$(LIBDIR)/cmake/zkclient/zkclientConfig.cmake \
	    $(DESTDIR)$(LIBDIR)/cmake/zkclient/zkclientConfigVersion.cmake

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libzkclient.so $(DESTDIR)$(LIBDIR)/libzkclient.so.$(SOVERSION) \
	    $(DESTDIR)$(LIBDIR)/libzkclient.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libzkclient.a \
	    $(DESTDIR)$(INCLUDEDIR)/zkclient.h $(DESTDIR)$(INCLUDEDIR)/zkclient.hpp \
	    $(DESTDIR)$(LIBDIR)/pkgconfig/zkclient.pc \
	    $(DESTDIR)$(LIBDIR)/cmake/zkclient/zkclientConfig.cmake \
	    $(DESTDIR)$(LIBDIR)/cmake/zkclient/zkclientConfigVersion.cmake $(DESTDIR)$(BINDIR)/zkcli
	-rmdir $(DESTDIR)$(LIBDIR)/cmake/zkclient 2>/dev/null

# The ABI against the committed baseline abi/libzkclient.so.0.abi (libabigail), after a build:
# fails on an incompatible change. `make abi-update` rewrites the baseline (a reviewed step,
# README.md, "ABI compatibility").
abi-check: build
	scripts/abi-check.sh

abi-update: build
	scripts/abi-check.sh --update

# The API reference: Doxygen on include/zkclient.h and include/zkclient.hpp (docs/Doxyfile), into build/docs/html.
# Fails on any Doxygen warning.
docs:
	scripts/docs.sh

clean:
	cargo clean
	rm -rf build
