#!/usr/bin/env bash
# Part of `make test`: `make install` into a staging directory (DESTDIR), the installed zkcli
# (stripped, the library linked in, answering against $ZK_HOSTS), then the C quick start built
# out of tree the way a user would, and run against $ZK_HOSTS:
#   - with CMake, find_package(zkclient 0.1 REQUIRED), linking zkclient::zkclient (shared)
#     and zkclient::zkclient_static;
#   - with pkg-config, against the shared library and against the static one;
# and the C++ quick start (examples-c/cpp_quickstart.cpp, C++17, the installed zkclient.hpp)
# with CMake against the shared library.
# Each must end with "quickstart: all steps passed". Also checked: the installed files and
# links, the soname and versioned symbols of the installed (stripped) library
# (scripts/check-symbols.sh), that the shared consumers need libzkclient.so.0 and resolve it
# in the staging directory, that the static ones need no libzkclient.so at all, and that the
# CMake package refuses versions it is not compatible with (0.2, 1.0).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${ZK_HOSTS:-}" ] || { echo "check-install: ZK_HOSTS is not set" >&2; exit 1; }
fail() { echo "check-install: $*" >&2; exit 1; }

stage="$(mktemp -d "${TMPDIR:-/tmp}/zkclient-install.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
make --no-print-directory install DESTDIR="$stage" PREFIX=/usr >/dev/null
lib="$stage/usr/lib"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"

# The files and links, as a packager sees them.
[ -f "$lib/libzkclient.so.$version" ] && [ ! -L "$lib/libzkclient.so.$version" ] ||
    fail "$lib/libzkclient.so.$version is not a file"
[ "$(readlink "$lib/libzkclient.so.0")" = "libzkclient.so.$version" ] ||
    fail "libzkclient.so.0 does not link to libzkclient.so.$version"
[ "$(readlink "$lib/libzkclient.so")" = "libzkclient.so.0" ] ||
    fail "libzkclient.so does not link to libzkclient.so.0"
for f in libzkclient.a pkgconfig/zkclient.pc cmake/zkclient/zkclientConfig.cmake \
    cmake/zkclient/zkclientConfigVersion.cmake; do
    [ -f "$lib/$f" ] || fail "$lib/$f was not installed"
done
for f in zkclient.h zkclient.hpp; do
    [ -f "$stage/usr/include/$f" ] || fail "$f was not installed"
done
cmp -s include/zkclient.hpp "$stage/usr/include/zkclient.hpp" || fail "the installed zkclient.hpp differs from include/"
if readelf -S "$lib/libzkclient.so.$version" | grep -q '\.debug_info'; then
    fail "the installed libzkclient.so.$version is not stripped"
fi
scripts/check-symbols.sh "$lib/libzkclient.so.$version"
# zkcli: installed, stripped, the library linked in (no libzkclient.so needed), and working.
zkcli="$stage/usr/bin/zkcli"
[ -f "$zkcli" ] && [ -x "$zkcli" ] || fail "$zkcli was not installed"
if readelf -S "$zkcli" | grep -Eq '\.(debug_info|symtab)'; then
    fail "the installed zkcli is not stripped"
fi
if ldd "$zkcli" | grep -q zkclient; then
    fail "the installed zkcli needs libzkclient.so: $(ldd "$zkcli" | grep zkclient)"
fi
[ "$("$zkcli" -s "$ZK_HOSTS" 4lw ruok)" = imok ] || fail "the installed zkcli: 4lw ruok did not answer imok"
"$zkcli" -s "$ZK_HOSTS" stat / >/dev/null || fail "the installed zkcli: stat / failed"
echo "installed: $(cd "$stage/usr" && find . \( -type f -o -type l \) | sort | tr '\n' ' ')"

# needs_soname PROGRAM: NEEDED says libzkclient.so.0, and the loader finds it in the stage.
needs_soname() {
    readelf -d "$1" | grep -q 'NEEDED.*\[libzkclient\.so\.0\]' ||
        fail "$1 does not have NEEDED libzkclient.so.0: $(readelf -d "$1" | grep NEEDED)"
    LD_LIBRARY_PATH="$lib" ldd "$1" | grep -q "libzkclient\.so\.0 => $lib/libzkclient\.so\.0 " ||
        fail "$1 does not resolve libzkclient.so.0 in $lib: $(LD_LIBRARY_PATH="$lib" ldd "$1" | grep zkclient)"
}
no_shared() {
    if ldd "$1" | grep -q zkclient; then
        fail "$1 (static build) still needs libzkclient.so"
    fi
}

# pkg-config.
export PKG_CONFIG_SYSROOT_DIR="$stage" PKG_CONFIG_PATH="$lib/pkgconfig" PKG_CONFIG_LIBDIR=""
echo "pkg-config zkclient: version $(pkg-config --modversion zkclient): $(pkg-config --cflags --libs zkclient)"
# shellcheck disable=SC2046 # pkg-config's flags are meant to be split
cc -std=c11 -Wall -Wextra -Werror examples-c/quickstart.c $(pkg-config --cflags --libs zkclient) \
    -o "$stage/quickstart-pkgconfig-shared"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror examples-c/quickstart.c $(pkg-config --cflags zkclient) \
    "$lib/libzkclient.a" $(pkg-config --static --libs-only-l zkclient | sed 's/-lzkclient//') \
    -o "$stage/quickstart-pkgconfig-static"
needs_soname "$stage/quickstart-pkgconfig-shared"
no_shared "$stage/quickstart-pkgconfig-static"

# CMake: a project of its own, outside the source tree, finding the package in the stage.
mkdir -p "$stage/consumer"
cat >"$stage/consumer/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.16)
project(zkclient_consumer C CXX)
# Versions this installation must refuse (while 0.x, the minor number must match).
foreach(wrong 0.2 1.0)
    find_package(zkclient ${wrong} QUIET)
    if(zkclient_FOUND)
        message(FATAL_ERROR "find_package(zkclient ${wrong}) accepted zkclient ${zkclient_VERSION}")
    endif()
endforeach()
find_package(zkclient 0.1 REQUIRED)
message(STATUS "zkclient ${zkclient_VERSION} from ${zkclient_DIR}")
add_executable(quickstart-cmake-shared "${QUICKSTART}")
target_link_libraries(quickstart-cmake-shared PRIVATE zkclient::zkclient)
add_executable(quickstart-cmake-static "${QUICKSTART}")
target_link_libraries(quickstart-cmake-static PRIVATE zkclient::zkclient_static)
foreach(target quickstart-cmake-shared quickstart-cmake-static)
    set_target_properties(${target} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON
        RUNTIME_OUTPUT_DIRECTORY "${OUT_DIR}")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endforeach()
# The C++ API: <zkclient.hpp> from the same include directory, the same library.
add_executable(quickstart-cmake-cpp "${CPP_QUICKSTART}")
target_link_libraries(quickstart-cmake-cpp PRIVATE zkclient::zkclient)
set_target_properties(quickstart-cmake-cpp PROPERTIES CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON
    CXX_EXTENSIONS OFF RUNTIME_OUTPUT_DIRECTORY "${OUT_DIR}")
target_compile_options(quickstart-cmake-cpp PRIVATE -Wall -Wextra -Werror)
EOF
cmake -S "$stage/consumer" -B "$stage/consumer/build" -DCMAKE_PREFIX_PATH="$stage/usr" \
    -DCMAKE_SKIP_RPATH=ON -DQUICKSTART="$PWD/examples-c/quickstart.c" \
    -DCPP_QUICKSTART="$PWD/examples-c/cpp_quickstart.cpp" -DOUT_DIR="$stage" |
    grep 'zkclient .* from' || fail "the CMake consumer did not configure"
cmake --build "$stage/consumer/build" >/dev/null || fail "the CMake consumer did not build"
needs_soname "$stage/quickstart-cmake-shared"
no_shared "$stage/quickstart-cmake-static"
needs_soname "$stage/quickstart-cmake-cpp"

for kind in pkgconfig-shared pkgconfig-static cmake-shared cmake-static; do
    out="$(LD_LIBRARY_PATH="$lib" "$stage/quickstart-$kind" "$ZK_HOSTS")"
    if [ "$(printf '%s\n' "$out" | tail -n 1)" != "quickstart: all steps passed" ]; then
        printf '%s\n' "$out" >&2
        fail "the quick start built with ${kind/-/ (} library) failed"
    fi
    echo "quick start built with ${kind/-/ (} library): all steps passed"
done
out="$(LD_LIBRARY_PATH="$lib" "$stage/quickstart-cmake-cpp" "$ZK_HOSTS")"
if [ "$(printf '%s\n' "$out" | tail -n 1)" != "cpp_quickstart: all steps passed" ]; then
    printf '%s\n' "$out" >&2
    fail "the C++ quick start built with CMake (installed zkclient.hpp, shared library) failed"
fi
echo "C++ quick start built with CMake (installed zkclient.hpp, shared library): all steps passed"
