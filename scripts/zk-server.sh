#!/usr/bin/env bash
# zk-server.sh: start and stop throwaway Apache ZooKeeper servers (standalone or a small
# ensemble on 127.0.0.1) for zkclient's tests, examples and benchmarks.
#
# Every cluster lives in a state directory chosen by the caller; nothing is shared between
# directories except the port registry of free-ports.py, so any number of clusters can run
# side by side (the tests run in parallel and may each start their own). Run with --help for
# the commands. The servers are the Debian `zookeeper` package's jars, run directly with java
# (no init script, no systemd); the package is installed with apt-get when missing.
#
# Layout of a state directory DIR:
#   DIR/cluster.conf          what the script knows: server count, tick time, heap, ports
#   DIR/hosts                 the connect string, written once the cluster is ready
#   DIR/log4j.properties      logging configuration (everything goes to server.log; and
#   DIR/logback.xml           the same for logback, used only with ZK_CLASSPATH jars)
#   DIR/server-N/zoo.cfg      configuration of server N (1-based)
#   DIR/server-N/zoo.cfg.dynamic[.VERSION]  its membership (--reconfig; VERSION in hex)
#   DIR/server-N/data/        its snapshots, transaction logs and myid
#   DIR/server-N/server.log   its stdout, stderr and log output (appended on every start)
#   DIR/server-N/pid          its process id while it runs
#   DIR/.lock                 serialises commands that change DIR
#   DIR/secure-hosts          the connect string of the TLS ports (--tls)
#   DIR/tls/                  test CA, server and client certificates and keys (--tls)
#   DIR/jaas.conf             the servers' JAAS Server section (--sasl-digest, --kerberos)
#   DIR/jaas-cli.conf         zkCli.sh's JAAS Client section (reconfig with --require-sasl)
#   DIR/krb5/                 the KDC's configuration, database, keytabs, log (--kerberos)
#
# Settings beyond the brief's zoo.cfg (initLimit=10, syncLimit=5, session timeouts 2..20 ticks,
# maxClientCnxns=0, 4lw.commands.whitelist=*, admin server off, localSessionsEnabled=false unless --local-sessions):
# TTL nodes (-Dzookeeper.extendedTypesEnabled=true), read-only mode (-Dreadonlymode.enabled=
# true), expired TTL nodes and empty containers deleted every second instead of every minute,
# forceSync=no (no fsync per write), and a JVM tuned for quick startup (serial GC, C1 only).
#
# Processes are identified by pid file *and* command line (java, QuorumPeerMain and this DIR's
# zoo.cfg), so a recycled pid is never signalled. Zombies count as gone (some container inits
# never reap them).
#
# With --reconfig the servers own the membership: they rewrite zoo.cfg and write a new
# zoo.cfg.dynamic.VERSION on their first election and on every reconfig. The script reads it
# back instead of regenerating it: the members are those of the newest dynamic file of any
# server (start of a stopped DIR starts them, hosts lists them), the current configuration
# is a running server's "conf" answer, and a server that is not in its own configuration
# (spares, removed servers) joins with the current membership plus itself.
#
# Exit codes: 0 success; 1 failure (server did not get ready, not running, no leader, ...);
# 2 usage error (bad command, option or DIR); 3 ZooKeeper or java missing and not installable.
set -euo pipefail

readonly PROG="zk-server.sh"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
readonly MAIN_CLASS="org.apache.zookeeper.server.quorum.QuorumPeerMain"
readonly STOP_GRACE_SECONDS=10  # SIGTERM, then SIGKILL after this long
readonly POLL_INTERVAL=0.1      # seconds between readiness / exit checks
DEFAULT_TIMEOUT="${ZK_SERVER_TIMEOUT:-60}"   # bound on waiting for readiness, seconds
LOG_LEVEL="${ZK_SERVER_LOG_LEVEL:-INFO}"     # log4j level of the servers' logs
# How often the server deletes expired TTL nodes and empty containers (ZooKeeper's default
# is once a minute, far too slow for tests that check that a TTL node goes away).
CONTAINER_CHECK_MS="${ZK_SERVER_CONTAINER_CHECK_MS:-1000}"

usage() {
    cat <<EOF
usage: $PROG COMMAND DIR [options]

Runs throwaway ZooKeeper servers on 127.0.0.1; DIR holds everything of one cluster
(config, data, logs, pids, connect string) and is created if missing.

commands:
  start DIR [--servers N] [--tick-time MS] [--heap MB] [--local-sessions] [--timeout S]
            [--tls MODE [--tls-server-cert server|expired]] [--sasl-digest | --kerberos]
            [--require-sasl] [--reconfig [--members M]] [--observers K]
                      start a standalone server (--servers 1, the default) or an ensemble
                      (--servers 3) on free ports, wait until it serves (one leader), write
                      DIR/hosts and print the connect string as the last line of stdout.
                      On an existing, stopped DIR: start it again (same ports and data,
                      and the security options saved in DIR/cluster.conf; giving different
                      ones is a usage error, except --tls-server-cert). With --reconfig it
                      starts the members of the newest configuration the servers wrote.
  stop DIR            stop every server of DIR (SIGTERM, SIGKILL after ${STOP_GRACE_SECONDS}s),
                      members, joined and removed ones alike; keeps the data.
                      Safe when nothing runs or DIR does not exist.
  stop-one DIR N      stop server N (1-based) the same way.
  kill-one DIR N      SIGKILL server N (a simulated crash) and wait until it is gone.
  start-one DIR N [--wait-serving] [--timeout S]
                      start server N again (same config, ports and data) and wait until it
                      answers ruok; with --wait-serving until it serves as standalone,
                      leader, follower or observer. No-op if it is running. With --reconfig
                      it runs the configuration files as the server last wrote them (a
                      spare that never joined needs join).
  join DIR N [--observer | --participant] [--timeout S]
                      (--reconfig) start server N, a spare or a server a reconfig removed,
                      with a dynamic file of the ensemble's current membership (a running
                      server's "conf") plus itself listed as ROLE (default: participant, or
                      observer for the last --observers K servers); wait until it has synced
                      with the leader and serves (Mode: follower). It is a non-voting member
                      until a client runs reconfig -add with its spec (see server-spec),
                      which makes it a participant or an observer. Fails if N is a member
                      (use start-one).
  config DIR          print the ensemble's current configuration, the text of
                      /zookeeper/config (server.I=... lines, then version=HEX), from the
                      leader's "conf" answer (or any running server's without a leader).
  server-spec DIR N [participant|observer]
                      print server N's line for reconfig -add and dynamic files:
                      server.N=127.0.0.1:QUORUM:ELECTION:ROLE;127.0.0.1:CLIENT (default
                      ROLE as for join).
  reconfig DIR ARGS...
                      (--reconfig) reconfigure with Debian's zkCli.sh (\$ZK_CLI), connected
                      to the serving members: "addauth digest $SUPER_USER:$SUPER_PASSWORD", then
                      "reconfig ARGS", e.g. -add SPEC[,SPEC...] -remove ID[,ID...]
                      [-v FROM_VERSION] (hex, as in version=), or -members SPEC,...; print
                      the committed configuration, or fail (exit 1) with the CLI's error.
                      With --require-sasl the CLI logs in as bob (--sasl-digest only).
  cleanup DIR         stop, then delete DIR.
  hosts DIR           print the connect string (host:port,... in server-id order); with
                      --reconfig of the members of the newest configuration in the files.
  port DIR N          print server N's client port.
  secure-hosts DIR    print the connect string of the TLS ports (with --tls).
  secure-port DIR N   print server N's TLS port, its secureClientPort (with --tls).
  pid DIR N           print server N's pid (fails if it is not running).
  leader DIR          print the id of the current leader (1 for a standalone server), or fail.
  status DIR          one line per server: id, client port, pid, state, mode; the state is
                      running, stopped, or spare (not running and not a member: with
                      --reconfig, a spare that never joined or a removed server); exit
                      status 1 unless all members run.
  4lw DIR N WORD      send a four-letter word (ruok, srvr, stat, mntr, ...) to server N and
                      print the answer.
  --help              this text.

options:
  --servers N         number of servers, 1 (default) or an ensemble of 3 (any of 1-9 works)
  --tick-time MS      ZooKeeper tickTime (default 2000); session timeouts may range from
                      2 to 20 ticks
  --heap MB           JVM heap per server, -Xmx (default 256)
  --local-sessions    sessions start local to their server (localSessionsEnabled and
                      localSessionsUpgradingEnabled): needed for new sessions on a
                      read-only server
  --timeout S         how long to wait for readiness (default \$ZK_SERVER_TIMEOUT or 60)
  --observers K       the last K of the N servers are observers (":observer" in the server
                      lines; without --reconfig also peerType=observer in their zoo.cfg);
                      K < N. Readiness accepts Mode: observer.

dynamic reconfiguration (saved in DIR/cluster.conf like the security options):
  --reconfig          reconfigEnabled=true, standaloneEnabled=false (so even --servers 1 is
                      a one-member ensemble that can grow), and the membership in a dynamic
                      file: DIR/server-N/zoo.cfg names it (dynamicConfigFile=), with lines
                        server.I=127.0.0.1:QUORUM:ELECTION:ROLE;127.0.0.1:CLIENT
                      (ROLE participant or observer). The servers rewrite both files: on
                      their first election and on every reconfig they write
                      zoo.cfg.dynamic.VERSION (VERSION the config's zxid in hex, e.g.
                      100000000) and point zoo.cfg at it; start on a stopped DIR regenerates
                      zoo.cfg but keeps the dynamic file the server wrote, and start-one
                      launches the files as they are. A superuser may reconfig: user
                      $SUPER_USER, password $SUPER_PASSWORD (-Dzookeeper.DigestAuthenticationProvider.
                      superDigest; a client sends "addauth digest $SUPER_USER:$SUPER_PASSWORD").
  --members M         with --reconfig: ports for all N servers are allocated and all are
                      configured, but only servers 1..M form the initial ensemble and are
                      started; servers M+1..N are spares (see join). Default M = N.

security options (the plain clientPort always keeps serving; quorum traffic stays plain):
  --tls MODE          each server also serves TLS on its own secureClientPort (Netty
                      connection factory), with ssl.clientAuth=MODE: need (a client
                      certificate signed by ca.pem is required), want (asked for, optional)
                      or none. x509 ACLs work (authProvider.x509): the id of client1 is
                      CN=client1. Readiness includes a TLS handshake on each secure port
                      (openssl s_client, with client1's certificate when MODE is need).
                      Writes DIR/secure-hosts. Files in DIR/tls/, made once per DIR:
                        ca.pem, ca.key            the test CA (self-signed, RSA)
                        other-ca.pem, .key        an unrelated CA (for "unknown CA" tests)
                        server.pem, server.key    the servers' certificate (CN=localhost,
                                                  subjectAltName DNS:localhost, IP:127.0.0.1)
                        server-keystore.pem       server.key then server.pem (ssl.keyStore)
                        client1.pem, .key         CN=client1, RSA key in PKCS#8 (PRIVATE KEY)
                        client2.pem, .key         CN=client2, EC P-256 key in SEC1 (EC PRIVATE KEY)
                        client3.pem, .key         CN=client3, RSA key in PKCS#1 (RSA PRIVATE KEY)
                        stranger.pem, .key        CN=stranger, signed by other-ca
                        expired.pem, .key         like server.pem, valid only in 2020
                        expired-keystore.pem      expired.key then expired.pem
                        openssl.cnf, ca-db/, openssl.log   how they were made
                      All certificates but expired.pem are valid for 10 years; client
                      certificates have extendedKeyUsage clientAuth, the server's serverAuth.
  --tls-server-cert C the certificate the servers present: server (default) or expired
                      (for "expired certificate" tests; the readiness handshake then does
                      not verify it).
  --sasl-digest       SASL DIGEST-MD5 (authProvider.sasl): DIR/jaas.conf, a JAAS Server
                      section with DigestLoginModule and the users bob (password bobsecret)
                      and alice (alicesecret), given to java as
                      -Djava.security.auth.login.config. The sasl id is the user name (bob).
  --kerberos          SASL GSSAPI with an MIT KDC on 127.0.0.1 (realm $KRB5_REALM, a free port;
                      krb5kdc -n, stopped by stop and cleanup), started before the servers;
                      readiness includes kinit of client@$KRB5_REALM from client.keytab. The
                      servers log in as zookeeper/localhost@$KRB5_REALM (DIR/jaas.conf with
                      Krb5LoginModule, -Djava.security.krb5.conf). Clients must connect to
                      "localhost" (service zookeeper@localhost; rdns=false). The sasl id keeps
                      the realm: ACL sasl:client@$KRB5_REALM. Files in DIR/krb5/, made once per DIR:
                        krb5.conf       for clients and Java (KRB5_CONFIG)
                        kdc.conf        for krb5kdc, kdb5_util, kadmin.local (KRB5_KDC_PROFILE)
                        db/             the KDC database and its stash
                        zookeeper.keytab   the servers' key (zookeeper/localhost@$KRB5_REALM)
                        client.keytab   key of client@$KRB5_REALM
                        client2.keytab  key of client2@$KRB5_REALM
                        ccache          ticket cache, holding client@$KRB5_REALM's ticket after start
                        env             KRB5_CONFIG=... and KRB5CCNAME=FILE:... lines for clients
                        kdc.log, kdc.pid, setup.log, .ready
                      Cannot be combined with --sasl-digest: with a Kerberos principal in its
                      Server section, ZooKeeper offers only GSSAPI.
  --require-sasl      sessionRequireClientSASLAuth=true: a session that has not completed
                      SASL is closed at its first request (error -124); needs --sasl-digest
                      or --kerberos.
  Missing tools (openssl; krb5-kdc, krb5-admin-server, krb5-user) are installed with apt-get.

environment:
  ZK_SERVER_TIMEOUT, ZK_SERVER_LOG_LEVEL (INFO), ZK_SERVER_CONTAINER_CHECK_MS (1000),
  ZK_SERVER_JVM_OPTS (extra JVM flags), ZK_CLASSPATH (use these jars instead of Debian's),
  JAVA (the java binary), ZK_CLI (the zkCli.sh of reconfig), CLIENT_JVMFLAGS (its extra
  JVM flags).

exit codes: 0 ok, 1 failure, 2 usage error, 3 ZooKeeper/java missing and not installable.
EOF
}

# ---------------------------------------------------------------------------------------
# Messages and small helpers
# ---------------------------------------------------------------------------------------

note() { echo "$PROG: $*" >&2; }
die() { note "$*"; exit 1; }
usage_error() { note "$*"; echo "run '$PROG --help' for usage" >&2; exit 2; }

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

# Milliseconds since the epoch (EPOCHREALTIME is seconds with 6 decimals; its separator may
# depend on the locale, hence the stripping of non-digits).
now_ms() {
    local us="${EPOCHREALTIME//[!0-9]/}"
    echo $((us / 1000))
}

# The python3 to run free-ports.py with; Debian's own starts much faster than a pyenv shim.
python_bin() {
    if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3; else command -v python3; fi
}

# ---------------------------------------------------------------------------------------
# Finding (or installing) ZooKeeper and java
# ---------------------------------------------------------------------------------------

ZK_CP=""     # classpath of the server
JAVA_BIN=""  # java binary

# Sets ZK_CP, or returns 1 when no ZooKeeper jars are found.
# Debian's zookeeper.jar names its dependencies in its manifest's Class-Path (netty, jackson,
# jetty, slf4j-api, ...), but no slf4j binding: Debian's zkServer.sh runs with
# CLASSPATH=/etc/zookeeper/conf:/usr/share/java/zookeeper.jar and the server then logs nothing
# at all. The log4j 1.2 binding and log4j itself are dependencies of the package, so they are
# added here, and DIR/log4j.properties sends the log to the server's stdout (server.log).
find_classpath() {
    if [ -n "${ZK_CLASSPATH:-}" ]; then
        ZK_CP="$ZK_CLASSPATH"
        return 0
    fi
    if [ -f /usr/share/java/zookeeper.jar ]; then
        ZK_CP=/usr/share/java/zookeeper.jar
        local jar
        for jar in /usr/share/java/slf4j-log4j12.jar /usr/share/java/log4j-1.2.jar; do
            [ -f "$jar" ] && ZK_CP="$ZK_CP:$jar"
        done
        return 0
    fi
    # Layout of older Debian packages and of upstream tarballs (ZOOKEEPER_HOME/lib/*.jar).
    local lib
    for lib in /usr/share/zookeeper/lib "${ZOOKEEPER_HOME:-/nonexistent}/lib"; do
        if compgen -G "$lib/zookeeper-*.jar" >/dev/null; then
            ZK_CP="$lib/*"
            return 0
        fi
    done
    return 1
}

find_java() {
    if [ -n "${JAVA:-}" ]; then
        JAVA_BIN="$JAVA"
    elif [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
        JAVA_BIN="$JAVA_HOME/bin/java"
    else
        JAVA_BIN="$(command -v java || true)"
    fi
    [ -n "$JAVA_BIN" ] && [ -x "$(command -v "$JAVA_BIN" || true)" ]
}

# Installs Debian's zookeeper package (which pulls in a JRE) when the jars or java are missing.
# A machine-wide lock keeps parallel callers from running apt-get at the same time; whoever
# gets the lock second finds the package installed. apt's output goes to stderr, so stdout
# stays reserved for the connect string.
ensure_zookeeper() {
    if find_classpath && find_java; then
        return 0
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        note "ZooKeeper jars or java not found and apt-get is not available;" \
            "install ZooKeeper or set ZK_CLASSPATH and JAVA"
        exit 3
    fi
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { note "not root and no sudo: cannot install zookeeper"; exit 3; }
        sudo="sudo"
    fi
    note "ZooKeeper not found: installing Debian's zookeeper package"
    (
        flock -w 1800 8 || { note "timed out waiting for another installation"; exit 1; }
        if find_classpath && find_java; then exit 0; fi
        $sudo apt-get -o DPkg::Lock::Timeout=600 update ||
            note "apt-get update failed; trying the installation anyway"
        $sudo env DEBIAN_FRONTEND=noninteractive \
            apt-get -o DPkg::Lock::Timeout=600 install -y zookeeper
    ) 8>>/tmp/zk-server-install.lock >&2 || { note "installing zookeeper failed"; exit 3; }
    if ! find_classpath || ! find_java; then
        note "zookeeper is installed but its jars or java are still not found"
        exit 3
    fi
}

# ---------------------------------------------------------------------------------------
# The state directory and cluster.conf
# ---------------------------------------------------------------------------------------

DIR=""          # absolute path of the state directory
SERVERS=0       # number of servers
ALL_IDS=()      # 1..SERVERS
TICK_TIME=2000  # ms
HEAP_MB=256
LOCAL_SESSIONS=false  # true: sessions start local (needed for new sessions on a read-only server)
declare -a CLIENT_PORT=() QUORUM_PORT=() ELECTION_PORT=()  # indexed by server id
declare -a SECURE_PORT=()  # secureClientPort of each server (with --tls only)
# Security settings (saved in cluster.conf; a restart of DIR reuses them).
TLS_MODE=""            # ssl.clientAuth: need, want or none; empty: no TLS port
TLS_SERVER_CERT=server # which certificate of DIR/tls the servers present: server or expired
SASL_DIGEST=false      # DIGEST-MD5 users in the JAAS Server section
REQUIRE_SASL=false     # sessionRequireClientSASLAuth=true
KERBEROS=false         # an MIT KDC for realm ZK.TEST and a GSSAPI server principal
KDC_PORT=""            # its port (UDP and TCP on 127.0.0.1)
# Dynamic reconfiguration (saved in cluster.conf too).
RECONFIG=false         # reconfigEnabled=true, membership in a dynamic config file, a superuser
MEMBERS=0              # servers 1..MEMBERS form the initial ensemble; the others are spares
OBSERVERS=0            # the last OBSERVERS of the SERVERS servers are observers
readonly SUPER_USER=super SUPER_PASSWORD=supersecret  # reconfig's superuser (--reconfig)
readonly KRB5_REALM=ZK.TEST

# Sets DIR to the absolute, symlink-free form of $1 (servers' command lines contain it, and
# stop relies on that). Refuses paths that would be dangerous to rm -rf.
set_dir() {
    [ -n "$1" ] || usage_error "missing DIR"
    DIR="$(realpath -m -- "$1")"
    case "$DIR" in
        / | /root | /home | /tmp | /usr | /etc | /var) usage_error "refusing to use $DIR as a state directory" ;;
    esac
    [ ! -e "$DIR" ] || [ -d "$DIR" ] || usage_error "$DIR exists and is not a directory"
}

has_cluster() { [ -f "$DIR/cluster.conf" ]; }

# True if DIR exists with files in it but without a cluster.conf: some directory of someone
# else, which start must not write into and cleanup must not delete. (A DIR holding only the
# lock file, and the TLS or KDC files made before the first cluster.conf, is what an
# interrupted first start leaves.)
is_foreign_dir() {
    [ -d "$DIR" ] && ! has_cluster || return 1
    local f
    for f in "$DIR"/* "$DIR"/.[!.]* "$DIR"/..?*; do
        [ -e "$f" ] || [ -L "$f" ] || continue  # an unmatched glob
        case "${f#"$DIR"/}" in .lock | cluster.conf.tmp | tls | tls.new | krb5) ;; *) return 0 ;; esac
    done
    return 1
}

# Sets SERVERS and the list of server ids ALL_IDS (1..SERVERS).
set_servers() {
    is_uint "$1" || die "bad number of servers '$1' (is $DIR/cluster.conf damaged?)"
    SERVERS="$1"
    ALL_IDS=()
    local id
    for ((id = 1; id <= SERVERS; id++)); do ALL_IDS+=("$id"); done
}

check_timeout() {
    if ! { is_uint "$1" && [ "$1" -ge 1 ]; }; then
        usage_error "--timeout must be a positive number of seconds, not '$1'"
    fi
}

# Reads DIR/cluster.conf (key=value lines written by save_cluster; never executed).
load_cluster() {
    has_cluster || usage_error "$DIR holds no cluster (no $DIR/cluster.conf); run start first"
    local key value id ports
    SERVERS=0
    while IFS='=' read -r key value; do
        case "$key" in
            servers) set_servers "$value" ;;
            tick_time) TICK_TIME="$value" ;;
            heap_mb) HEAP_MB="$value" ;;
            local_sessions) LOCAL_SESSIONS="$value" ;;
            tls) TLS_MODE="$value" ;;
            tls_server_cert) TLS_SERVER_CERT="$value" ;;
            sasl_digest) SASL_DIGEST="$value" ;;
            require_sasl) REQUIRE_SASL="$value" ;;
            kerberos) KERBEROS="$value" ;;
            kdc_port) KDC_PORT="$value" ;;
            reconfig) RECONFIG="$value" ;;
            members) MEMBERS="$value" ;;
            observers) OBSERVERS="$value" ;;
            server.*)
                id="${key#server.}"
                IFS=: read -r -a ports <<<"$value"
                CLIENT_PORT[id]="${ports[0]}"
                QUORUM_PORT[id]="${ports[1]}"
                ELECTION_PORT[id]="${ports[2]}"
                SECURE_PORT[id]="${ports[3]:-}"
                ;;
        esac
    done <"$DIR/cluster.conf"
    if ! { is_uint "$SERVERS" && [ "$SERVERS" -ge 1 ]; }; then die "$DIR/cluster.conf is damaged"; fi
    for ((id = 1; id <= SERVERS; id++)); do
        [ -n "${CLIENT_PORT[id]:-}" ] || die "$DIR/cluster.conf is damaged (no ports of server $id)"
        if [ -n "$TLS_MODE" ] && [ -z "${SECURE_PORT[id]:-}" ]; then
            die "$DIR/cluster.conf is damaged (no secure port of server $id)"
        fi
    done
    if [ "$KERBEROS" = true ] && ! is_uint "$KDC_PORT"; then die "$DIR/cluster.conf is damaged (no kdc_port)"; fi
    # (cluster.conf files written before --reconfig existed have no members= and observers=)
    if [ "$MEMBERS" = 0 ]; then MEMBERS="$SERVERS"; fi
    if ! { is_uint "$MEMBERS" && is_uint "$OBSERVERS" && [ "$MEMBERS" -le "$SERVERS" ] && [ "$OBSERVERS" -lt "$SERVERS" ]; }; then
        die "$DIR/cluster.conf is damaged (members=$MEMBERS, observers=$OBSERVERS)"
    fi
}

save_cluster() {
    local id
    {
        echo "# written by $PROG; the servers' zoo.cfg files are generated from this"
        echo "servers=$SERVERS"
        echo "tick_time=$TICK_TIME"
        echo "heap_mb=$HEAP_MB"
        echo "local_sessions=$LOCAL_SESSIONS"
        echo "tls=$TLS_MODE"
        echo "tls_server_cert=$TLS_SERVER_CERT"
        echo "sasl_digest=$SASL_DIGEST"
        echo "require_sasl=$REQUIRE_SASL"
        echo "kerberos=$KERBEROS"
        echo "kdc_port=$KDC_PORT"
        echo "reconfig=$RECONFIG"
        echo "members=$MEMBERS"
        echo "observers=$OBSERVERS"
        # client:quorum:election[:secure] ports
        for ((id = 1; id <= SERVERS; id++)); do
            echo "server.$id=${CLIENT_PORT[id]}:${QUORUM_PORT[id]}:${ELECTION_PORT[id]}${SECURE_PORT[id]:+:${SECURE_PORT[id]}}"
        done
    } >"$DIR/cluster.conf.tmp"
    mv -f "$DIR/cluster.conf.tmp" "$DIR/cluster.conf"
}

# Checks that N is a server id of the loaded cluster.
check_id() {
    if ! { is_uint "$1" && [ "$1" -ge 1 ] && [ "$1" -le "$SERVERS" ]; }; then
        usage_error "server id must be 1..$SERVERS, not '$1'"
    fi
}

# The ids of the ensemble's servers, in order: all servers, or with --reconfig those in the
# newest dynamic configuration file of any server (the version is the file name's hex
# suffix; the files start writes have none: version 0). Spare servers that never joined and
# servers a reconfig removed are not members.
member_ids() {
    if [ "$RECONFIG" != true ]; then
        echo "${ALL_IDS[@]}"
        return 0
    fi
    local id file version best="" best_version=-1
    for id in "${ALL_IDS[@]}"; do
        file="$(dynamic_file "$id")"
        [ -n "$file" ] || continue
        version="${file##*/zoo.cfg.dynamic}"
        version="${version#.}"
        [[ "$version" =~ ^[0-9a-fA-F]*$ ]] || continue
        version=$((16#${version:-0}))
        if [ "$version" -gt "$best_version" ]; then best="$file" best_version="$version"; fi
    done
    [ -n "$best" ] || return 0
    sed -n 's/^server\.\([0-9]*\)=.*/\1/p' "$best" | sort -n | tr '\n' ' '
    echo
}

# The connect string of the client ports of the ensemble's members (all servers without
# --reconfig), in server-id order.
connect_string() {
    local id hosts=""
    for id in $(member_ids); do
        hosts+="${hosts:+,}127.0.0.1:${CLIENT_PORT[id]}"
    done
    echo "$hosts"
}

# The connect string of the TLS ports (secureClientPort), in server-id order.
secure_connect_string() {
    local id hosts=""
    for id in $(member_ids); do
        hosts+="${hosts:+,}127.0.0.1:${SECURE_PORT[id]}"
    done
    echo "$hosts"
}

# Serialises commands that change DIR (start, stop, ...) per directory. The lock is held on
# fd 9 until the script exits; servers are launched with fd 9 closed so they do not inherit it.
lock_dir() {
    mkdir -p "$DIR"
    exec 9>>"$DIR/.lock"
    flock -w 300 9 || die "timed out waiting for another $PROG command on $DIR"
}

# The role server ID has in the configuration start makes: the last OBSERVERS servers are
# observers, the others participants.
default_role() {
    if [ "$1" -gt $((SERVERS - OBSERVERS)) ]; then echo observer; else echo participant; fi
}

# server_spec ID [ROLE]: server ID's line in a dynamic configuration (and reconfig's spec):
# server.ID=127.0.0.1:QUORUM:ELECTION:ROLE;127.0.0.1:CLIENT
server_spec() {
    local id="$1" role="${2:-}"
    [ -n "$role" ] || role="$(default_role "$id")"
    echo "server.$id=127.0.0.1:${QUORUM_PORT[id]}:${ELECTION_PORT[id]}:$role;127.0.0.1:${CLIENT_PORT[id]}"
}

# With --reconfig: the dynamic configuration file server ID uses now. The server names it in
# its zoo.cfg (dynamicConfigFile=) and, on every reconfig, writes zoo.cfg.dynamic.VERSION
# (VERSION in hex) and rewrites zoo.cfg to name that one. Prints nothing if there is none yet
# (a spare server that has not joined).
dynamic_file() {
    local sdir="$DIR/server-$1" file
    file="$(sed -n 's/^dynamicConfigFile=//p' "$sdir/zoo.cfg" 2>/dev/null | tail -n 1)"
    if [ -n "$file" ] && [ -f "$file" ]; then
        echo "$file"
    elif [ -f "$sdir/zoo.cfg.dynamic" ]; then
        echo "$sdir/zoo.cfg.dynamic"
    fi
}

# Writes zoo.cfg (and myid) of every server and the logging configuration from the settings.
# With --reconfig, the membership is in each server's dynamic file: written here only for the
# initial members that have none yet; a dynamic file the servers wrote (after a reconfig, or a
# join) is kept, and zoo.cfg names it.
write_configs() {
    local id sdir dynamic
    for ((id = 1; id <= SERVERS; id++)); do
        sdir="$DIR/server-$id"
        mkdir -p "$sdir/data"
        dynamic=""
        if [ "$RECONFIG" = true ]; then
            dynamic="$(dynamic_file "$id")"
            if [ -z "$dynamic" ] && [ "$id" -le "$MEMBERS" ]; then
                dynamic="$sdir/zoo.cfg.dynamic"
                local peer
                for ((peer = 1; peer <= MEMBERS; peer++)); do server_spec "$peer"; done >"$dynamic"
            fi
            # (a spare server's zoo.cfg names the file join writes)
            [ -n "$dynamic" ] || dynamic="$sdir/zoo.cfg.dynamic"
        fi
        {
            echo "# generated by $PROG from $DIR/cluster.conf"
            echo "tickTime=$TICK_TIME"
            echo "initLimit=10"
            echo "syncLimit=5"
            echo "minSessionTimeout=$((2 * TICK_TIME))"
            echo "maxSessionTimeout=$((20 * TICK_TIME))"
            echo "dataDir=$sdir/data"
            if [ "$RECONFIG" != true ]; then
                # (with --reconfig the client address is in the dynamic file's server lines)
                echo "clientPort=${CLIENT_PORT[id]}"
                echo "clientPortAddress=127.0.0.1"
            fi
            echo "maxClientCnxns=0"
            echo "4lw.commands.whitelist=*"
            echo "admin.enableServer=false"
            echo "localSessionsEnabled=$LOCAL_SESSIONS"
            echo "localSessionsUpgradingEnabled=$LOCAL_SESSIONS"
            # Test servers: no fsync per transaction (much faster writes; only an OS crash
            # could lose data, and the data is thrown away anyway).
            echo "forceSync=no"
            if [ -n "$TLS_MODE" ]; then
                # TLS needs the Netty factory; the plain clientPort keeps serving beside it.
                # (Unknown zoo.cfg keys become zookeeper.-prefixed system properties.)
                echo "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory"
                echo "secureClientPort=${SECURE_PORT[id]}"
                echo "secureClientPortAddress=127.0.0.1"
                echo "ssl.keyStore.location=$(tls_keystore)"
                echo "ssl.keyStore.type=PEM"
                echo "ssl.trustStore.location=$DIR/tls/ca.pem"
                echo "ssl.trustStore.type=PEM"
                echo "ssl.clientAuth=$TLS_MODE"
                echo "authProvider.x509=org.apache.zookeeper.server.auth.X509AuthenticationProvider"
            fi
            if [ "$SASL_DIGEST" = true ] || [ "$KERBEROS" = true ]; then
                echo "authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider"
            fi
            if [ "$REQUIRE_SASL" = true ]; then echo "sessionRequireClientSASLAuth=true"; fi
            if [ "$RECONFIG" = true ]; then
                # The role comes from the server lines (a reconfig may change it), so no
                # peerType here.
                echo "reconfigEnabled=true"
                echo "standaloneEnabled=false"
                echo "dynamicConfigFile=$dynamic"
            elif [ "$SERVERS" -eq 1 ]; then
                echo "standaloneEnabled=true"
            else
                echo "standaloneEnabled=false"
                if [ "$(default_role "$id")" = observer ]; then echo "peerType=observer"; fi
                local peer
                for ((peer = 1; peer <= SERVERS; peer++)); do
                    if [ "$(default_role "$peer")" = observer ]; then
                        echo "server.$peer=127.0.0.1:${QUORUM_PORT[peer]}:${ELECTION_PORT[peer]}:observer"
                    else
                        echo "server.$peer=127.0.0.1:${QUORUM_PORT[peer]}:${ELECTION_PORT[peer]}"
                    fi
                done
            fi
        } >"$sdir/zoo.cfg"
        if [ "$SERVERS" -gt 1 ] || [ "$RECONFIG" = true ]; then echo "$id" >"$sdir/data/myid"; fi
    done
    # log4j 1.2 (Debian's binding): everything to stdout, which is the server's server.log.
    cat >"$DIR/log4j.properties" <<EOF
log4j.rootLogger=$LOG_LEVEL, CONSOLE
log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender
log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout
log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n
EOF
    # logback (upstream tarballs via ZK_CLASSPATH): the same.
    cat >"$DIR/logback.xml" <<EOF
<configuration>
  <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n</pattern></encoder>
  </appender>
  <root level="$LOG_LEVEL"><appender-ref ref="CONSOLE"/></root>
</configuration>
EOF
}

# ---------------------------------------------------------------------------------------
# Security: tools, TLS files, JAAS, the Kerberos KDC
# ---------------------------------------------------------------------------------------

# True if TOOL is on PATH or in /usr/sbin (where krb5kdc, kdb5_util and kadmin.local live;
# /usr/sbin is not on every user's PATH). tool_path prints where it is.
have_tool() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
tool_path() { command -v "$1" 2>/dev/null || echo "/usr/sbin/$1"; }

# Prints the Debian packages that the chosen security options need and that are missing.
missing_security_packages() {
    local -a missing=()
    if [ -n "$TLS_MODE" ]; then have_tool openssl || missing+=(openssl); fi
    if [ "$KERBEROS" = true ]; then
        { have_tool krb5kdc && have_tool kdb5_util; } || missing+=(krb5-kdc)
        have_tool kadmin.local || missing+=(krb5-admin-server)
        { have_tool kinit && have_tool klist; } || missing+=(krb5-user)
    fi
    echo "${missing[*]}"
}

# Installs the missing tools of the security options with apt-get, under the same
# machine-wide lock as the zookeeper package (see ensure_zookeeper).
ensure_security_tools() {
    [ -n "$(missing_security_packages)" ] || return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        note "missing: $(missing_security_packages) (and apt-get is not available to install them)"
        exit 3
    fi
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { note "not root and no sudo: cannot install $(missing_security_packages)"; exit 3; }
        sudo="sudo"
    fi
    note "installing $(missing_security_packages)"
    (
        flock -w 1800 8 || { note "timed out waiting for another installation"; exit 1; }
        local -a pkgs
        read -r -a pkgs <<<"$(missing_security_packages)"
        [ "${#pkgs[@]}" -gt 0 ] || exit 0
        $sudo apt-get -o DPkg::Lock::Timeout=600 update ||
            note "apt-get update failed; trying the installation anyway"
        # (the krb5 packages' postinst may try to start the system's krb5kdc/kadmind with
        # /etc's configuration; this script never uses them)
        $sudo env DEBIAN_FRONTEND=noninteractive \
            apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${pkgs[@]}"
    ) 8>>/tmp/zk-server-install.lock >&2 || { note "installing $(missing_security_packages) failed"; exit 3; }
    [ -z "$(missing_security_packages)" ] || { note "still missing after apt-get: $(missing_security_packages)"; exit 3; }
}

# The PEM file (private key, then certificate) the servers read as ssl.keyStore.location.
tls_keystore() {
    if [ "$TLS_SERVER_CERT" = expired ]; then echo "$DIR/tls/expired-keystore.pem"; else echo "$DIR/tls/server-keystore.pem"; fi
}

# Makes the certificates and keys of DIR/tls (see the usage text), once per DIR: they are
# made in DIR/tls.new, which is renamed to DIR/tls when complete, so an existing DIR/tls is
# always whole and is reused as it is.
make_tls() {
    [ -d "$DIR/tls" ] && return 0
    local work="$DIR/tls.new"
    rm -rf "$work"
    mkdir -p "$work"
    local rc
    set +e
    (
        set -e
        cd "$work"
        make_tls_files
    ) >"$work/openssl.log" 2>&1
    rc=$?
    set -e
    if [ "$rc" -ne 0 ]; then
        tail -n 30 "$work/openssl.log" >&2
        die "making the TLS files in $work failed (log above)"
    fi
    mv "$work" "$DIR/tls"
}

# Writes the TLS files into the current directory (helper of make_tls).
make_tls_files() {
    local ssl
    ssl="$(tool_path openssl)"
    cat >openssl.cnf <<'CNF'
# written by zk-server.sh: the extensions of the test certificates, and `openssl ca`'s
# settings for expired.pem (its database is in ca-db/)
[req]
distinguished_name = req_dn
prompt = no
[req_dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
[client_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
[ca]
default_ca = test_ca
[test_ca]
database = ca-db/index.txt
serial = ca-db/serial
new_certs_dir = ca-db
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[policy_any]
commonName = supplied
CNF
    # The CAs: self-signed, RSA 2048, valid for 10 years.
    "$ssl" req -x509 -new -config openssl.cnf -extensions ca_ext -newkey rsa:2048 -nodes \
        -keyout ca.key -out ca.pem -days 3650 -subj "/CN=zkclient test CA"
    "$ssl" req -x509 -new -config openssl.cnf -extensions ca_ext -newkey rsa:2048 -nodes \
        -keyout other-ca.key -out other-ca.pem -days 3650 -subj "/CN=zkclient other CA"
    # sign NAME CN EXT CA: NAME.pem from NAME.key, signed by CA.pem (10 years).
    sign() {
        "$ssl" req -new -config openssl.cnf -key "$1.key" -subj "/CN=$2" -out "$1.csr"
        "$ssl" x509 -req -in "$1.csr" -CA "$4.pem" -CAkey "$4.key" -days 3650 \
            -extfile openssl.cnf -extensions "$3" -out "$1.pem"
        rm -f "$1.csr"
    }
    # The server: RSA in PKCS#8 (the form ZooKeeper's PEM keystore reads).
    "$ssl" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out server.key
    sign server localhost server_ext ca
    cat server.key server.pem >server-keystore.pem
    # Clients: the three private-key forms a PEM client may meet.
    "$ssl" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out client1.key # PKCS#8
    sign client1 client1 client_ext ca
    "$ssl" ecparam -name prime256v1 -genkey -noout -out client2.key # SEC1 (EC PRIVATE KEY)
    sign client2 client2 client_ext ca
    "$ssl" genrsa -traditional -out client3.key 2048 # PKCS#1 (RSA PRIVATE KEY)
    sign client3 client3 client_ext ca
    "$ssl" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out stranger.key
    sign stranger stranger client_ext other-ca
    # expired.pem: like server.pem, but valid only in 2020. `openssl x509 -req` of OpenSSL
    # 3.0 cannot set dates in the past; `openssl ca` can.
    mkdir -p ca-db
    : >ca-db/index.txt
    echo 1000 >ca-db/serial
    "$ssl" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out expired.key
    "$ssl" req -new -config openssl.cnf -key expired.key -subj "/CN=localhost" -out expired.csr
    "$ssl" ca -batch -config openssl.cnf -cert ca.pem -keyfile ca.key -in expired.csr \
        -out expired.pem -notext -extensions server_ext \
        -startdate 20200101000000Z -enddate 20210101000000Z
    rm -f expired.csr
    cat expired.key expired.pem >expired-keystore.pem
    # Sanity checks of what tests rely on.
    grep -q 'BEGIN PRIVATE KEY' client1.key
    grep -q 'BEGIN EC PRIVATE KEY' client2.key
    grep -q 'BEGIN RSA PRIVATE KEY' client3.key
    "$ssl" verify -CAfile ca.pem server.pem client1.pem client2.pem client3.pem
    "$ssl" verify -CAfile other-ca.pem stranger.pem
    if "$ssl" verify -CAfile ca.pem expired.pem; then echo "expired.pem verifies"; return 1; fi
}

# True if server ID's secure port completes a TLS handshake: verified against ca.pem and
# for 127.0.0.1 (not verified with --tls-server-cert expired), presenting client1's
# certificate when the server requires one.
tls_handshake() {
    local -a args=(-connect "127.0.0.1:${SECURE_PORT[$1]}" -CAfile "$DIR/tls/ca.pem" -brief)
    if [ "$TLS_SERVER_CERT" != expired ]; then args+=(-verify_return_error -verify_ip 127.0.0.1); fi
    if [ "$TLS_MODE" = need ]; then args+=(-cert "$DIR/tls/client1.pem" -key "$DIR/tls/client1.key"); fi
    timeout 5 "$(tool_path openssl)" s_client "${args[@]}" </dev/null >/dev/null 2>&1
}

# wait_tls TIMEOUT ID...: waits until each server's secure port accepts a TLS handshake.
# Returns 1 on timeout, 2 if a server exited.
wait_tls() {
    [ -n "$TLS_MODE" ] || return 0
    local deadline=$(($(now_ms) + $1 * 1000)) id
    shift
    for id in "$@"; do
        until tls_handshake "$id"; do
            if ! running_pid "$id" >/dev/null; then
                note "server $id exited (see $DIR/server-$id/server.log)"
                return 2
            fi
            if [ "$(now_ms)" -ge "$deadline" ]; then
                note "server $id: no TLS handshake on port ${SECURE_PORT[id]} (see $DIR/server-$id/server.log)"
                return 1
            fi
            sleep "$POLL_INTERVAL"
        done
    done
}

# Writes DIR/jaas.conf, the servers' JAAS configuration (its Server section), if SASL is on.
write_jaas() {
    [ "$SASL_DIGEST" = true ] || [ "$KERBEROS" = true ] || return 0
    {
        echo "// written by $PROG"
        echo "Server {"
        if [ "$SASL_DIGEST" = true ]; then
            echo "  org.apache.zookeeper.server.auth.DigestLoginModule required"
            echo '  user_bob="bobsecret"'
            echo '  user_alice="alicesecret";'
        fi
        if [ "$KERBEROS" = true ]; then
            echo "  com.sun.security.auth.module.Krb5LoginModule required"
            echo "  useKeyTab=true"
            echo "  keyTab=\"$DIR/krb5/zookeeper.keytab\""
            echo "  storeKey=true"
            echo "  useTicketCache=false"
            echo "  isInitiator=false"
            echo "  principal=\"zookeeper/localhost@$KRB5_REALM\";"
        fi
        echo "};"
    } >"$DIR/jaas.conf"
}

# Runs an MIT Kerberos tool with DIR/krb5's configuration (nothing of /etc is read).
krb5() {
    local t="$1"
    shift
    KRB5_CONFIG="$DIR/krb5/krb5.conf" KRB5_KDC_PROFILE="$DIR/krb5/kdc.conf" \
        KRB5CCNAME="FILE:$DIR/krb5/ccache" "$(tool_path "$t")" "$@"
}

# Makes the KDC's configuration, database and keytabs in DIR/krb5, once per DIR (marked
# complete by DIR/krb5/.ready, which holds the KDC port; an incomplete DIR/krb5, or one made
# for another port by a start that did not complete, is made again).
make_kdc() {
    local k="$DIR/krb5"
    [ "$(cat "$k/.ready" 2>/dev/null)" = "$KDC_PORT" ] && return 0
    rm -rf "$k"
    mkdir -p "$k/db"
    cat >"$k/krb5.conf" <<CONF
# written by $PROG; for the MIT tools (KRB5_CONFIG) and Java (-Djava.security.krb5.conf)
[libdefaults]
  default_realm = $KRB5_REALM
  dns_lookup_kdc = false
  dns_lookup_realm = false
  rdns = false
  default_ccache_name = FILE:$k/ccache
[realms]
  $KRB5_REALM = {
    kdc = 127.0.0.1:$KDC_PORT
  }
[domain_realm]
  localhost = $KRB5_REALM
CONF
    cat >"$k/kdc.conf" <<CONF
# written by $PROG; for krb5kdc, kdb5_util and kadmin.local (KRB5_KDC_PROFILE)
[kdcdefaults]
  kdc_listen = 127.0.0.1:$KDC_PORT
  kdc_tcp_listen = 127.0.0.1:$KDC_PORT
[realms]
  $KRB5_REALM = {
    database_name = $k/db/principal
    key_stash_file = $k/db/stash
    max_life = 24h
    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
  }
[logging]
  kdc = FILE:$k/kdc.log
CONF
    local p
    {
        krb5 kdb5_util create -s -r "$KRB5_REALM" -P zkclient-test-master-key &&
            for p in "zookeeper/localhost" client client2; do
                krb5 kadmin.local -q "addprinc -randkey $p@$KRB5_REALM" || exit 1
            done &&
            krb5 kadmin.local -q "ktadd -k $k/zookeeper.keytab zookeeper/localhost@$KRB5_REALM" &&
            krb5 kadmin.local -q "ktadd -k $k/client.keytab client@$KRB5_REALM" &&
            krb5 kadmin.local -q "ktadd -k $k/client2.keytab client2@$KRB5_REALM"
    } >"$k/setup.log" 2>&1 || { tail -n 20 "$k/setup.log" >&2; die "setting up the KDC in $k failed"; }
    for p in zookeeper client client2; do
        [ -s "$k/$p.keytab" ] || { tail -n 20 "$k/setup.log" >&2; die "kadmin.local wrote no $k/$p.keytab"; }
    done
    printf 'KRB5_CONFIG=%s\nKRB5CCNAME=FILE:%s\n' "$k/krb5.conf" "$k/ccache" >"$k/env"
    echo "$KDC_PORT" >"$k/.ready"
}

# True if PID is this DIR's KDC: a live krb5kdc whose command line names DIR/krb5/kdc.pid.
is_our_kdc() {
    local pid="$1"
    is_uint "$pid" && [ -r "/proc/$pid/cmdline" ] || return 1
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = krb5kdc ] || return 1
    grep -qzxF -- "$DIR/krb5/kdc.pid" "/proc/$pid/cmdline" 2>/dev/null
}

kdc_pid() {
    local pid
    pid="$(cat "$DIR/krb5/kdc.pid" 2>/dev/null)" || return 1
    is_our_kdc "$pid" || return 1
    echo "$pid"
}

KDC_LAUNCHED=0  # 1 if this invocation started the KDC (stopped again if the start fails)

# Starts DIR's KDC unless it runs, and waits (bounded by TIMEOUT seconds) until
# `kinit -kt client.keytab client@ZK.TEST` succeeds; that leaves a ticket in DIR/krb5/ccache.
start_kdc() {
    local timeout="$1" k="$DIR/krb5"
    if ! kdc_pid >/dev/null; then
        (
            for fd in "/proc/$BASHPID/fd"/*; do
                fd="${fd##*/}"
                if [ "$fd" -gt 2 ]; then exec {fd}>&- || true; fi
            done
            cd "$k"
            export KRB5_CONFIG="$k/krb5.conf" KRB5_KDC_PROFILE="$k/kdc.conf"
            # -n: in the foreground (its pid is ours to know); -P: names DIR in its command line
            exec "$(tool_path krb5kdc)" -n -r "$KRB5_REALM" -P "$k/kdc.pid"
        ) </dev/null >>"$k/kdc.log" 2>&1 &
        local pid="$!" waited=0
        echo "$pid" >"$k/kdc.pid"
        disown "$pid"
        KDC_LAUNCHED=1
        while [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != krb5kdc ] && [ -e "/proc/$pid" ] && [ "$waited" -lt 500 ]; do
            sleep 0.01
            waited=$((waited + 1))
        done
    fi
    local deadline=$(($(now_ms) + timeout * 1000))
    until krb5 kinit -kt "$k/client.keytab" "client@$KRB5_REALM" >/dev/null 2>&1; do
        kdc_pid >/dev/null || { tail -n 20 "$k/kdc.log" >&2; die "the KDC exited (see $k/kdc.log)"; }
        [ "$(now_ms)" -lt "$deadline" ] || die "the KDC did not issue a ticket within ${timeout}s (see $k/kdc.log)"
        sleep "$POLL_INTERVAL"
    done
}

stop_kdc() {
    [ "$KERBEROS" = true ] || return 0
    local pid
    pid="$(kdc_pid)" || { rm -f "$DIR/krb5/kdc.pid"; return 0; }
    terminate_pids TERM "$pid" || return 1
    rm -f "$DIR/krb5/kdc.pid"
}

# ---------------------------------------------------------------------------------------
# Server processes
# ---------------------------------------------------------------------------------------

cfg_of() { echo "$DIR/server-$1/zoo.cfg"; }

# True if PID is a live (not zombie) java process running server N of DIR: its command line
# has the main class and exactly this DIR's zoo.cfg of server N as arguments. A zombie has an
# empty command line and counts as gone.
is_ours() {
    local pid="$1" id="$2"
    is_uint "$pid" && [ -r "/proc/$pid/cmdline" ] || return 1
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = java ] || return 1
    grep -qzxF -- "$(cfg_of "$id")" "/proc/$pid/cmdline" 2>/dev/null &&
        grep -qzxF -- "$MAIN_CLASS" "/proc/$pid/cmdline" 2>/dev/null
}

# Prints the pid of server N if it runs (as recorded in its pid file), else returns 1.
running_pid() {
    local id="$1" pid
    pid="$(cat "$DIR/server-$id/pid" 2>/dev/null)" || return 1
    is_ours "$pid" "$id" || return 1
    echo "$pid"
}

# Pids of server N: the recorded one plus, as a safety net, any other process running with
# this server's zoo.cfg (e.g. if a start was killed between launching java and recording it).
server_pids() {
    local id="$1" pid f
    local -A seen=()
    if pid="$(running_pid "$id")"; then seen[$pid]=1; fi
    for f in $(grep -lzxF -- "$(cfg_of "$id")" /proc/[0-9]*/cmdline 2>/dev/null || true); do
        pid="${f#/proc/}"
        pid="${pid%/cmdline}"
        if is_ours "$pid" "$id"; then seen[$pid]=1; fi
    done
    echo "${!seen[@]}"
}

# The superuser's digest for -Dzookeeper.DigestAuthenticationProvider.superDigest:
# base64(sha1("super:supersecret")), as DigestAuthenticationProvider.generateDigest makes it.
super_digest() {
    "$(python_bin)" -c 'import base64, hashlib, sys; print(base64.b64encode(hashlib.sha1(sys.argv[1].encode()).digest()).decode())' \
        "$SUPER_USER:$SUPER_PASSWORD"
}

# Starts server N in the background (stdout and stderr appended to its server.log, no
# terminal, no inherited descriptors) and records its pid.
launch() {
    local id="$1" sdir="$DIR/server-$1"
    local -a jvm=(
        "-Xmx${HEAP_MB}m"
        -XX:+UseSerialGC           # 2 small GC threads' worth of work: one thread is plenty
        -XX:TieredStopAtLevel=1    # C1 only: faster startup, less CPU and memory
        -XX:-UsePerfData           # no /tmp/hsperfdata_* files
        "-XX:ErrorFile=$sdir/hs_err_pid%p.log"
        -Djava.awt.headless=true
        -Djava.net.preferIPv4Stack=true
        "-Dlog4j.configuration=file:$DIR/log4j.properties"
        "-Dlogback.configurationFile=$DIR/logback.xml"
        "-Dzookeeper.log.dir=$sdir"
        -Dzookeeper.jmx.log4j.disable=true
        -Dzookeeper.extendedTypesEnabled=true  # TTL nodes
        -Dreadonlymode.enabled=true            # read-only mode of partitioned servers
        "-Dznode.container.checkIntervalMs=$CONTAINER_CHECK_MS"
    )
    if [ "$SASL_DIGEST" = true ] || [ "$KERBEROS" = true ]; then
        jvm+=("-Djava.security.auth.login.config=$DIR/jaas.conf")
    fi
    if [ "$KERBEROS" = true ]; then jvm+=("-Djava.security.krb5.conf=$DIR/krb5/krb5.conf"); fi
    if [ "$RECONFIG" = true ]; then
        jvm+=("-Dzookeeper.DigestAuthenticationProvider.superDigest=$SUPER_USER:$(super_digest)")
    fi
    local cp="$ZK_CP"
    # Netty's TLS handler needs netty-codec, which zookeeper.jar's manifest does not name:
    # without it the secure port listens but closes every connection (NoClassDefFoundError:
    # io/netty/handler/codec/ByteToMessageDecoder in the log).
    if [ -n "$TLS_MODE" ] && [ -z "${ZK_CLASSPATH:-}" ] && [ -f /usr/share/java/netty-codec.jar ]; then
        cp="$cp:/usr/share/java/netty-codec.jar"
    fi
    local -a extra=()
    if [ -n "${ZK_SERVER_JVM_OPTS:-}" ]; then read -r -a extra <<<"$ZK_SERVER_JVM_OPTS"; fi
    (
        # Close every descriptor above 2 (the DIR lock on fd 9, a make jobserver, pipes of
        # the caller...): a server holding the caller's pipe would make $(...) hang.
        for fd in "/proc/$BASHPID/fd"/*; do
            fd="${fd##*/}"
            if [ "$fd" -gt 2 ]; then exec {fd}>&- || true; fi
        done
        cd "$sdir"
        exec "$JAVA_BIN" "${jvm[@]}" "${extra[@]}" -cp "$cp" "$MAIN_CLASS" "$sdir/zoo.cfg"
    ) </dev/null >>"$sdir/server.log" 2>&1 &
    local pid="$!" waited=0
    echo "$pid" >"$sdir/pid"
    # Not a job of this shell: no "Killed ..." notice from bash if it is killed later.
    disown "$pid"
    LAUNCHED+=("$id")
    # The pid is the subshell's until it execs java: wait for that (bounded), so that every
    # later check (is_ours: a java process) sees the server, not the subshell.
    while [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != java ] && [ -e "/proc/$pid" ] && [ "$waited" -lt 500 ]; do
        case "$(proc_state "$pid" 2>/dev/null)" in Z*) break ;; esac
        sleep 0.01
        waited=$((waited + 1))
    done
}

# Prints "STATE STARTTIME" of process PID from /proc/PID/stat (fields 3 and 22), or fails if
# there is no such process. The start time tells a process from a later one with the same pid.
proc_state() {
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"  # the fields after "PID (COMM) "; COMM may contain anything
    local -a fields
    read -r -a fields <<<"$stat"
    echo "${fields[0]} ${fields[19]}"
}

# Sends SIGTERM to the given servers, SIGKILL to what is left after STOP_GRACE_SECONDS (or at
# once with --kill), and waits until all are gone: no such process any more, or a zombie (a
# dead process whose parent has not reaped it; all its files and sockets are closed). Removes
# their pid files. Returns 1 if a process survived SIGKILL (should not happen).
stop_servers() {
    local signal=TERM
    if [ "${1:-}" = --kill ]; then signal=KILL; shift; fi
    local id pids=()
    for id in "$@"; do
        # shellcheck disable=SC2207  # pids are numbers
        pids+=($(server_pids "$id"))
    done
    terminate_pids "$signal" "${pids[@]}" || return 1
    for id in "$@"; do rm -f "$DIR/server-$id/pid"; done
}

# terminate_pids SIGNAL PID...: sends SIGNAL, then SIGKILL to what is left after
# STOP_GRACE_SECONDS, and waits until all are gone (or zombies). Returns 1 if a process
# survived SIGKILL.
terminate_pids() {
    local signal="$1" pid state
    shift
    local -A started=()  # pid -> its start time, for the processes signalled
    for pid in "$@"; do
        state="$(proc_state "$pid")" || continue
        started[$pid]="${state#* }"
        kill "-$signal" "$pid" 2>/dev/null || true
    done
    local deadline=$(($(now_ms) + STOP_GRACE_SECONDS * 1000)) killed=0
    while :; do
        local alive=()
        for pid in "${!started[@]}"; do
            state="$(proc_state "$pid")" || continue
            if [ "${state% *}" != Z ] && [ "${state#* }" = "${started[$pid]}" ]; then alive+=("$pid"); fi
        done
        [ "${#alive[@]}" -gt 0 ] || break
        if [ "$(now_ms)" -ge "$deadline" ]; then
            if [ "$killed" -eq 1 ]; then
                note "processes ${alive[*]} survived SIGKILL"
                return 1
            fi
            note "processes still running after ${STOP_GRACE_SECONDS}s, sending SIGKILL to ${alive[*]}"
            kill -KILL "${alive[@]}" 2>/dev/null || true
            killed=1
            deadline=$(($(now_ms) + STOP_GRACE_SECONDS * 1000))
        fi
        sleep "$POLL_INTERVAL"
    done
}

# ---------------------------------------------------------------------------------------
# Four-letter words and readiness
# ---------------------------------------------------------------------------------------

# Sends a four-letter word to 127.0.0.1:PORT and prints the answer (the server writes it and
# closes the connection). Prints nothing if nobody answers within 2 s; never fails.
fourlw() {
    # shellcheck disable=SC2016  # $1 and $2 are expanded by the inner bash
    timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf %s "$2" >&3 && cat <&3' \
        _ "$1" "$2" 2>/dev/null || true
}

# The server's mode as `srvr` reports it: standalone, leader, follower, observer, read-only;
# "not-serving" if it answers but does not serve (e.g. no quorum), "no-answer" if silent.
server_mode() {
    local answer mode
    answer="$(fourlw "$1" srvr)"
    mode="$(sed -n 's/^Mode: //p' <<<"$answer")"
    if [ -n "$mode" ]; then
        echo "$mode"
    elif [ -n "$answer" ]; then
        echo "not-serving"
    else
        echo "no-answer"
    fi
}

# Prints the membership part of server ID's `conf` answer (its current configuration, the
# text of /zookeeper/config: server.I=... lines and version=HEX), or nothing.
server_config() {
    fourlw "${CLIENT_PORT[$1]}" conf | sed -n '/^membership: *$/,$p' | grep -e '^server\.' -e '^version=' || true
}

# Prints the ensemble's current configuration as a running server sees it: the leader's if
# there is one, else that of the first running server that has one. Fails if none answers.
ensemble_config() {
    local id config="" candidates=()
    for id in "${ALL_IDS[@]}"; do
        running_pid "$id" >/dev/null || continue
        if [ "$(server_mode "${CLIENT_PORT[id]}")" = leader ]; then
            candidates=("$id" "${candidates[@]}")
        else
            candidates+=("$id")
        fi
    done
    for id in "${candidates[@]}"; do
        config="$(server_config "$id")"
        if [ -n "$config" ]; then
            printf '%s\n' "$config"
            return 0
        fi
    done
    return 1
}

# wait_ready WANT TIMEOUT ID...: waits until the servers are ready, bounded by TIMEOUT seconds.
#   WANT=ruok     each answers ruok with imok
#   WANT=serving  also srvr reports standalone, leader, follower or observer
#   WANT=cluster  serving, and (for an ensemble) exactly one of them is the leader
# Returns 1 on timeout, 2 as soon as one of the servers has exited.
wait_ready() {
    local want="$1" deadline=$(($(now_ms) + $2 * 1000)) id ready leaders mode
    shift 2
    while :; do
        ready=1
        leaders=0
        for id in "$@"; do
            if ! running_pid "$id" >/dev/null; then
                note "server $id exited (see $DIR/server-$id/server.log)"
                return 2
            fi
            if [ "$(fourlw "${CLIENT_PORT[id]}" ruok)" != imok ]; then ready=0; break; fi
            [ "$want" != ruok ] || continue
            mode="$(server_mode "${CLIENT_PORT[id]}")"
            case "$mode" in
                standalone | follower | observer) ;;
                leader) leaders=$((leaders + 1)) ;;
                *) ready=0; break ;;
            esac
        done
        if [ "$ready" -eq 1 ] && { [ "$want" != cluster ] || [ $# -eq 1 ] || [ "$leaders" -eq 1 ]; }; then
            return 0
        fi
        if [ "$(now_ms)" -ge "$deadline" ]; then return 1; fi
        sleep "$POLL_INTERVAL"
    done
}

# Prints the last lines of the given servers' logs to stderr
show_logs() {
    local id
    for id in "$@"; do
        echo "----- last lines of $DIR/server-$id/server.log" >&2
        # (without the servers' notes on the ruok/srvr polls of wait_ready)
        grep -v -e 'Processing ruok command' -e 'Processing srvr command' \
            "$DIR/server-$id/server.log" 2>/dev/null | tail -n 40 >&2 || true
    done
}

# ---------------------------------------------------------------------------------------
# Cleaning up after a failed or interrupted start
# ---------------------------------------------------------------------------------------

LAUNCHED=()  # ids of the servers started by this invocation
STARTING=0   # 1 while a start is under way: on exit, the launched servers are stopped

on_exit() {
    local status=$?
    if [ "$STARTING" -eq 1 ] && [ "${#LAUNCHED[@]}" -gt 0 ]; then
        note "start did not complete: stopping the servers it launched"
        STARTING=0
        stop_servers --kill "${LAUNCHED[@]}" || true
    fi
    if [ "$STARTING" -eq 1 ] && [ "$KDC_LAUNCHED" -eq 1 ]; then
        note "start did not complete: stopping the KDC it launched"
        stop_kdc || true
    fi
    exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------

cmd_start() {
    local servers="" tick="" heap="" local_sessions="" timeout="$DEFAULT_TIMEOUT"
    local tls="" tls_cert="" sasl_digest="" require_sasl="" kerberos=""
    local reconfig="" members="" observers=""
    while [ $# -gt 0 ]; do
        case "$1" in
            --reconfig) reconfig=true; shift ;;
            --members) members="${2:-}"; shift 2 || usage_error "--members needs a value" ;;
            --observers) observers="${2:-}"; shift 2 || usage_error "--observers needs a value" ;;
            --tls) tls="${2:-}"; shift 2 || usage_error "--tls needs a value (need, want or none)" ;;
            --tls-server-cert) tls_cert="${2:-}"; shift 2 || usage_error "--tls-server-cert needs a value (server or expired)" ;;
            --sasl-digest) sasl_digest=true; shift ;;
            --require-sasl) require_sasl=true; shift ;;
            --kerberos) kerberos=true; shift ;;
            --servers) servers="${2:-}"; shift 2 || usage_error "--servers needs a value" ;;
            --tick-time) tick="${2:-}"; shift 2 || usage_error "--tick-time needs a value" ;;
            --heap) heap="${2:-}"; shift 2 || usage_error "--heap needs a value" ;;
            --local-sessions) local_sessions=true; shift ;;
            --timeout) timeout="${2:-}"; shift 2 || usage_error "--timeout needs a value" ;;
            *) usage_error "start: unknown option '$1'" ;;
        esac
    done
    if [ -n "$servers" ]; then
        if ! { is_uint "$servers" && [ "$servers" -ge 1 ] && [ "$servers" -le 9 ]; }; then
            usage_error "--servers must be 1..9 (1 or 3 are the usual), not '$servers'"
        fi
    fi
    if [ -n "$tick" ]; then
        if ! { is_uint "$tick" && [ "$tick" -ge 1 ]; }; then usage_error "--tick-time must be a positive number of ms"; fi
    fi
    if [ -n "$heap" ]; then
        if ! { is_uint "$heap" && [ "$heap" -ge 16 ]; }; then usage_error "--heap must be at least 16 (MB)"; fi
    fi
    if [ -n "$members" ] && ! { is_uint "$members" && [ "$members" -ge 1 ]; }; then
        usage_error "--members must be a positive number, not '$members'"
    fi
    if [ -n "$observers" ] && ! is_uint "$observers"; then
        usage_error "--observers must be a number, not '$observers'"
    fi
    check_timeout "$timeout"
    case "$tls" in "" | need | want | none) ;; *) usage_error "--tls must be need, want or none, not '$tls'" ;; esac
    case "$tls_cert" in "" | server | expired) ;; *) usage_error "--tls-server-cert must be server or expired, not '$tls_cert'" ;; esac

    if is_foreign_dir; then
        usage_error "$DIR exists, is not empty and is not a $PROG state directory"
    fi
    lock_dir
    ensure_zookeeper

    local fresh=1 id attempt
    if has_cluster; then
        # Start an existing, stopped cluster again with its ports and data.
        fresh=0
        load_cluster
        for id in "${ALL_IDS[@]}"; do
            if running_pid "$id" >/dev/null; then
                die "$DIR: server $id is already running (stop it first, or use start-one)"
            fi
        done
        if [ -n "$servers" ] && [ "$servers" != "$SERVERS" ]; then
            usage_error "$DIR holds a cluster of $SERVERS server(s); use another DIR or cleanup first"
        fi
        # The security settings are the DIR's: given again, they must be the same.
        local saved_tls="$TLS_MODE"
        if [ -n "$tls" ] && [ "$tls" != "$saved_tls" ]; then
            usage_error "$DIR was made with --tls '${saved_tls:-(off)}'; use another DIR or cleanup first"
        fi
        if [ -n "$tls_cert" ] && [ -z "$saved_tls" ]; then usage_error "$DIR was made without --tls"; fi
        local opt saved given
        for opt in sasl-digest:"$SASL_DIGEST":"$sasl_digest" require-sasl:"$REQUIRE_SASL":"$require_sasl" kerberos:"$KERBEROS":"$kerberos" reconfig:"$RECONFIG":"$reconfig"; do
            IFS=: read -r opt saved given <<<"$opt"
            if [ -n "$given" ] && [ "$given" != "$saved" ]; then
                usage_error "$DIR was made without --$opt; use another DIR or cleanup first"
            fi
        done
        for opt in members:"$MEMBERS":"$members" observers:"$OBSERVERS":"$observers"; do
            IFS=: read -r opt saved given <<<"$opt"
            if [ -n "$given" ] && [ "$given" != "$saved" ]; then
                usage_error "$DIR was made with --$opt $saved; use another DIR or cleanup first"
            fi
        done
        # Only the presented certificate may change on a restart.
        TLS_SERVER_CERT="${tls_cert:-$TLS_SERVER_CERT}"
    else
        set_servers "${servers:-1}"
        RECONFIG="${reconfig:-false}"
        MEMBERS="${members:-$SERVERS}"
        OBSERVERS="${observers:-0}"
        if [ "$MEMBERS" -gt "$SERVERS" ]; then usage_error "--members must be at most --servers ($SERVERS), not $MEMBERS"; fi
        if [ "$MEMBERS" -lt "$SERVERS" ] && [ "$RECONFIG" != true ]; then
            usage_error "--members needs --reconfig (spare servers can only join by a reconfig)"
        fi
        if [ "$OBSERVERS" -gt 0 ] && [ "$OBSERVERS" -ge "$SERVERS" ]; then
            usage_error "--observers must be less than --servers (server 1 is always a participant)"
        fi
        TLS_MODE="$tls"
        TLS_SERVER_CERT="${tls_cert:-server}"
        SASL_DIGEST="${sasl_digest:-false}"
        REQUIRE_SASL="${require_sasl:-false}"
        KERBEROS="${kerberos:-false}"
    fi
    if [ "$REQUIRE_SASL" = true ] && [ "$SASL_DIGEST" != true ] && [ "$KERBEROS" != true ]; then
        usage_error "--require-sasl needs --sasl-digest or --kerberos (no client could authenticate)"
    fi
    if [ -n "$tls_cert" ] && [ -z "$TLS_MODE" ]; then usage_error "--tls-server-cert needs --tls"; fi
    if [ "$SASL_DIGEST" = true ] && [ "$KERBEROS" = true ]; then
        usage_error "--sasl-digest and --kerberos cannot be combined: with a Kerberos principal in its" \
            "JAAS Server section, ZooKeeper 3.8 offers only GSSAPI and refuses DIGEST-MD5; use two DIRs"
    fi
    TICK_TIME="${tick:-$TICK_TIME}"
    HEAP_MB="${heap:-$HEAP_MB}"
    LOCAL_SESSIONS="${local_sessions:-$LOCAL_SESSIONS}"
    ensure_security_tools

    STARTING=1
    if [ -n "$TLS_MODE" ]; then make_tls; fi
    if [ "$KERBEROS" = true ]; then
        if [ -z "$KDC_PORT" ]; then
            KDC_PORT="$("$(python_bin)" "$SCRIPT_DIR/free-ports.py" 1)"
            is_uint "$KDC_PORT" || die "could not find a free port for the KDC"
        fi
        make_kdc
        start_kdc "$timeout"
    fi
    for attempt in 1 2 3; do
        if [ "$fresh" -eq 1 ]; then
            # Three ports per server (client, quorum, election), four with --tls (secure
            # client port); a standalone server needs only the client port(s), but reserving
            # all keeps the code simple.
            local ports per=3
            if [ -n "$TLS_MODE" ]; then per=4; fi
            mapfile -t ports < <("$(python_bin)" "$SCRIPT_DIR/free-ports.py" $((per * SERVERS)))
            [ "${#ports[@]}" -eq $((per * SERVERS)) ] || die "could not find $((per * SERVERS)) free ports"
            for id in "${ALL_IDS[@]}"; do
                CLIENT_PORT[id]="${ports[per * (id - 1)]}"
                QUORUM_PORT[id]="${ports[per * (id - 1) + 1]}"
                ELECTION_PORT[id]="${ports[per * (id - 1) + 2]}"
                if [ -n "$TLS_MODE" ]; then SECURE_PORT[id]="${ports[per * (id - 1) + 3]}"; fi
                rm -rf "$DIR/server-$id"  # leftovers of a failed attempt
            done
        fi
        save_cluster
        write_configs
        write_jaas
        rm -f "$DIR/hosts" "$DIR/secure-hosts"
        # The servers to start: all, or with --reconfig the members of the current
        # configuration (not the spares, nor servers a reconfig removed).
        local -a start_ids
        read -r -a start_ids <<<"$(member_ids)"
        [ "${#start_ids[@]}" -gt 0 ] || die "$DIR: no server has a configuration (is DIR damaged?)"
        LAUNCHED=()
        for id in "${start_ids[@]}"; do launch "$id"; done

        local rc=0
        wait_ready cluster "$timeout" "${start_ids[@]}" || rc=$?
        if [ "$rc" -eq 0 ]; then wait_tls "$timeout" "${start_ids[@]}" || rc=$?; fi
        if [ "$rc" -eq 0 ]; then break; fi

        stop_servers --kill "${LAUNCHED[@]}" || true
        LAUNCHED=()
        # Another process may have bound one of the ports between choosing and binding it.
        if [ "$fresh" -eq 1 ] && [ "$attempt" -lt 3 ] &&
            grep -qs -e 'Address already in use' -e 'BindException' "$DIR"/server-*/server.log; then
            note "a port was taken in the meantime; retrying with other ports"
            continue
        fi
        show_logs "${start_ids[@]}"
        STARTING=0
        if [ "$rc" -eq 1 ]; then
            die "$DIR: the servers were not ready within ${timeout}s; stopped them"
        fi
        die "$DIR: a server exited during startup; stopped the servers"
    done
    STARTING=0

    if [ -n "$TLS_MODE" ]; then secure_connect_string >"$DIR/secure-hosts"; fi
    connect_string >"$DIR/hosts"
    connect_string
}

cmd_start_one() {
    local id="${1:-}" wait_for=ruok timeout="$DEFAULT_TIMEOUT"
    [ $# -gt 0 ] && shift
    while [ $# -gt 0 ]; do
        case "$1" in
            --wait-serving) wait_for=serving; shift ;;
            --timeout) timeout="${2:-}"; shift 2 || usage_error "--timeout needs a value" ;;
            *) usage_error "start-one: unknown option '$1'" ;;
        esac
    done
    check_timeout "$timeout"
    load_cluster
    check_id "$id"
    lock_dir
    if running_pid "$id" >/dev/null; then
        note "server $id of $DIR is already running"
        return 0
    fi
    if [ "$RECONFIG" = true ]; then
        local file
        file="$(dynamic_file "$id")"
        [ -n "$file" ] || die "server $id of $DIR is a spare that never joined the ensemble: use join DIR $id"
        # A server that is not in its own configuration (a reconfig removed it, or it joined
        # and was not added) would exit with "My id N not in the peer list": it joins again.
        if ! grep -q "^server\.$id=" "$file"; then
            note "server $id is not a member of its own configuration $file: it joins again"
            join_server "$id" "" "$timeout"
            return 0
        fi
    fi
    ensure_zookeeper
    ensure_security_tools
    STARTING=1
    if [ -n "$TLS_MODE" ]; then make_tls; fi
    if [ "$KERBEROS" = true ]; then
        make_kdc
        start_kdc "$timeout"
    fi
    write_jaas
    launch "$id"
    local rc=0
    wait_ready "$wait_for" "$timeout" "$id" || rc=$?
    if [ "$rc" -eq 0 ]; then wait_tls "$timeout" "$id" || rc=$?; fi
    if [ "$rc" -ne 0 ]; then
        show_logs "$id"
        stop_servers --kill "$id" || true
        STARTING=0
        die "$DIR: server $id did not get ready within ${timeout}s; stopped it"
    fi
    STARTING=0
    KDC_LAUNCHED=0
}

# join DIR N [--observer|--participant] [--timeout S]: starts server N (a spare, or one a
# reconfig removed) with a dynamic file made of the ensemble's current membership plus
# itself, so that it syncs with the leader as a non-voting member, ready for a reconfig -add.
cmd_join() {
    local id="${1:-}" role="" timeout="$DEFAULT_TIMEOUT"
    [ $# -gt 0 ] && shift
    while [ $# -gt 0 ]; do
        case "$1" in
            --observer) role=observer; shift ;;
            --participant) role=participant; shift ;;
            --timeout) timeout="${2:-}"; shift 2 || usage_error "--timeout needs a value" ;;
            *) usage_error "join: unknown option '$1'" ;;
        esac
    done
    check_timeout "$timeout"
    load_cluster
    check_id "$id"
    [ "$RECONFIG" = true ] || usage_error "$DIR was started without --reconfig: no server can join"
    lock_dir
    if running_pid "$id" >/dev/null; then
        note "server $id of $DIR is already running"
        return 0
    fi
    join_server "$id" "$role" "$timeout"
}

# join_server ID ROLE TIMEOUT: join's work, with DIR loaded and locked (ROLE may be empty:
# the default role).
join_server() {
    local id="$1" role="$2" timeout="$3" config
    config="$(ensemble_config)" || die "$DIR: no running server reports the ensemble's configuration"
    if grep -q "^server\.$id=" <<<"$config"; then
        die "server $id is a member of the current configuration of $DIR: use start-one DIR $id"
    fi
    [ -n "$role" ] || role="$(default_role "$id")"
    local sdir="$DIR/server-$id"
    # Its own initial configuration: the current members (the version line dropped: a file
    # without a version suffix is version 0, so the leader's newer one replaces it on sync)
    # plus itself. zoo.cfg is made to point at it (the server rewrites both on that sync).
    {
        grep '^server\.' <<<"$config"
        server_spec "$id" "$role"
    } >"$sdir/zoo.cfg.dynamic.tmp"
    mv -f "$sdir/zoo.cfg.dynamic.tmp" "$sdir/zoo.cfg.dynamic"
    sed -i "s|^dynamicConfigFile=.*|dynamicConfigFile=$sdir/zoo.cfg.dynamic|" "$sdir/zoo.cfg"
    ensure_zookeeper
    ensure_security_tools
    STARTING=1
    if [ -n "$TLS_MODE" ]; then make_tls; fi
    if [ "$KERBEROS" = true ]; then
        make_kdc
        start_kdc "$timeout"
    fi
    write_jaas
    launch "$id"
    local rc=0
    wait_ready serving "$timeout" "$id" || rc=$?
    if [ "$rc" -eq 0 ]; then wait_tls "$timeout" "$id" || rc=$?; fi
    if [ "$rc" -ne 0 ]; then
        show_logs "$id"
        stop_servers --kill "$id" || true
        STARTING=0
        die "$DIR: server $id did not join within ${timeout}s; stopped it"
    fi
    STARTING=0
    KDC_LAUNCHED=0
}

# reconfig DIR ARGS...: runs Debian's zkCli.sh against the serving members, as the superuser:
# "addauth digest super:supersecret", then "reconfig ARGS". Prints the CLI's answer (the
# committed configuration) and fails unless it reports "Committed new configuration".
cmd_reconfig() {
    [ $# -gt 0 ] || usage_error "usage: reconfig DIR ARGS... (e.g. -add SPEC,... -remove ID,... -v VERSION)"
    load_cluster
    [ "$RECONFIG" = true ] || usage_error "$DIR was started without --reconfig"
    local cli="${ZK_CLI:-/usr/share/zookeeper/bin/zkCli.sh}"
    [ -x "$cli" ] || ensure_zookeeper
    [ -x "$cli" ] || { note "$cli not found (Debian's zookeeper package has it; or set ZK_CLI)"; exit 3; }
    # Only members that serve: the CLI sends its commands before it is connected, and a
    # first connection attempt to a stopped server fails them with ConnectionLoss.
    local hosts="" id
    for id in $(member_ids); do
        running_pid "$id" >/dev/null || continue
        case "$(server_mode "${CLIENT_PORT[id]}")" in
            leader | follower | observer) hosts+="${hosts:+,}127.0.0.1:${CLIENT_PORT[id]}" ;;
        esac
    done
    [ -n "$hosts" ] || die "$DIR: no member of the ensemble is serving"
    # A quick JVM for the CLI (zkCli.sh adds $CLIENT_JVMFLAGS).
    local flags="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Djava.net.preferIPv4Stack=true"
    if [ "$REQUIRE_SASL" = true ]; then
        # Sessions must complete SASL first: the CLI logs in as bob (DIGEST-MD5).
        [ "$SASL_DIGEST" = true ] || die "reconfig with --kerberos --require-sasl is not supported"
        printf '%s\n' "// written by $PROG for zkCli.sh (reconfig)" "Client {" \
            "  org.apache.zookeeper.server.auth.DigestLoginModule required" \
            '  username="bob"' '  password="bobsecret";' "};" >"$DIR/jaas-cli.conf"
        flags+=" -Djava.security.auth.login.config=$DIR/jaas-cli.conf"
    fi
    local before out rc=0
    before="$(ensemble_config | sed -n 's/^version=//p')" || true
    out="$(printf '%s\n' "addauth digest $SUPER_USER:$SUPER_PASSWORD" "reconfig $*" |
        CLIENT_JVMFLAGS="$flags ${CLIENT_JVMFLAGS:-}" timeout "$DEFAULT_TIMEOUT" "$cli" -server "$hosts" 2>&1)" || rc=$?
    # (without the CLI's banner, SLF4J's complaints and the connection event)
    out="$(grep -v -e '^SLF4J:' -e '^$' -e '^WATCHER::' -e '^WatchedEvent ' -e '^Welcome to ZooKeeper' \
        -e '^JLine support' -e '^Connecting to ' <<<"$out" || true)"
    if [ "$rc" -eq 0 ] && grep -q '^Committed new configuration' <<<"$out"; then
        printf '%s\n' "$out"
        return 0
    fi
    # The server the CLI is connected to closes its connections when the reconfig changes
    # its role (the leader removed, a follower made leader, an observer made a participant or
    # removed): the CLI then reports ConnectionLoss although the reconfig may have been
    # committed. Then the configuration decides (awaited for up to 20 s: a new leader).
    if grep -q 'ConnectionLoss' <<<"$out" && [ -n "$before" ]; then
        local deadline=$(($(now_ms) + 20000)) config
        while [ "$(now_ms)" -lt "$deadline" ]; do
            config="$(ensemble_config)" || config=""
            if [ -n "$config" ] && [ "$(sed -n 's/^version=//p' <<<"$config")" != "$before" ]; then
                note "zkCli.sh lost its connection (its server changed role), but the configuration" \
                    "changed from version $before: the reconfig was committed"
                printf '%s\n' "Committed new configuration:" "$config"
                return 0
            fi
            sleep "$POLL_INTERVAL"
        done
    fi
    [ "$rc" -ne 124 ] || note "zkCli.sh did not finish within ${DEFAULT_TIMEOUT}s"
    printf '%s\n' "$out" >&2
    die "reconfig $* failed"
}

cmd_stop() {
    # Nothing to do for a DIR that was never started (or is already gone).
    has_cluster || return 0
    load_cluster
    lock_dir
    stop_servers "${ALL_IDS[@]}"
    stop_kdc
}

cmd_stop_one() {
    local kill=()
    if [ "$1" = --kill ]; then kill=(--kill); shift; fi
    load_cluster
    check_id "${1:-}"
    lock_dir
    if ! running_pid "$1" >/dev/null; then note "server $1 of $DIR is not running"; fi
    stop_servers "${kill[@]}" "$1"
}

cmd_cleanup() {
    [ -e "$DIR" ] || return 0
    if is_foreign_dir; then
        die "$DIR is not a $PROG state directory; not deleting it"
    fi
    if has_cluster; then
        load_cluster
        lock_dir
        stop_servers "${ALL_IDS[@]}" || die "could not stop the servers of $DIR; not deleting it"
        stop_kdc || die "could not stop the KDC of $DIR; not deleting it"
    fi
    rm -rf -- "$DIR"
}

cmd_leader() {
    load_cluster
    local id leader=""
    for id in "${ALL_IDS[@]}"; do
        running_pid "$id" >/dev/null || continue
        case "$(server_mode "${CLIENT_PORT[id]}")" in
            leader | standalone) leader+="${leader:+ }$id" ;;
        esac
    done
    [ -n "$leader" ] || die "$DIR: no server is leader"
    # Two leaders can be seen briefly while an old leader steps down: report it as a failure.
    [[ "$leader" != *" "* ]] || die "$DIR: several servers claim to be leader: $leader"
    echo "$leader"
}

cmd_status() {
    load_cluster
    local id pid state mode all_running=1 members
    members=" $(member_ids) "
    printf '%-3s %-6s %-8s %-8s %s\n' ID PORT PID STATE MODE
    for id in "${ALL_IDS[@]}"; do
        if pid="$(running_pid "$id")"; then
            state=running
            mode="$(server_mode "${CLIENT_PORT[id]}")"
        elif [[ "$members" != *" $id "* ]]; then
            pid=- state=spare mode=-
        else
            pid=- state=stopped mode=- all_running=0
        fi
        printf '%-3s %-6s %-8s %-8s %s\n' "$id" "${CLIENT_PORT[id]}" "$pid" "$state" "$mode"
    done
    [ "$all_running" -eq 1 ]
}

main() {
    local cmd="${1:-}"
    case "$cmd" in
        -h | --help | help) usage; exit 0 ;;
        "") usage >&2; exit 2 ;;
    esac
    shift
    set_dir "${1:-}"
    shift
    case "$cmd" in
        start) cmd_start "$@" ;;
        start-one) cmd_start_one "$@" ;;
        join) cmd_join "$@" ;;
        reconfig) cmd_reconfig "$@" ;;
        config)
            [ $# -eq 0 ] || usage_error "config takes no options"
            load_cluster
            ensemble_config || die "$DIR: no running server reports the ensemble's configuration"
            ;;
        server-spec)
            if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage_error "usage: server-spec DIR N [participant|observer]"; fi
            load_cluster
            check_id "$1"
            case "${2:-}" in "" | participant | observer) ;; *) usage_error "the role must be participant or observer, not '$2'" ;; esac
            server_spec "$1" "${2:-}"
            ;;
        stop) [ $# -eq 0 ] || usage_error "stop takes no options"; cmd_stop ;;
        stop-one) [ $# -eq 1 ] || usage_error "usage: stop-one DIR N"; cmd_stop_one "$1" ;;
        kill-one) [ $# -eq 1 ] || usage_error "usage: kill-one DIR N"; cmd_stop_one --kill "$1" ;;
        cleanup) [ $# -eq 0 ] || usage_error "cleanup takes no options"; cmd_cleanup ;;
        hosts)
            load_cluster
            connect_string
            ;;
        port)
            [ $# -eq 1 ] || usage_error "usage: port DIR N"
            load_cluster
            check_id "$1"
            echo "${CLIENT_PORT[$1]}"
            ;;
        secure-hosts)
            [ $# -eq 0 ] || usage_error "secure-hosts takes no options"
            load_cluster
            [ -n "$TLS_MODE" ] || die "$DIR was started without --tls"
            secure_connect_string
            ;;
        secure-port)
            [ $# -eq 1 ] || usage_error "usage: secure-port DIR N"
            load_cluster
            check_id "$1"
            [ -n "$TLS_MODE" ] || die "$DIR was started without --tls"
            echo "${SECURE_PORT[$1]}"
            ;;
        pid)
            [ $# -eq 1 ] || usage_error "usage: pid DIR N"
            load_cluster
            check_id "$1"
            running_pid "$1" || die "server $1 of $DIR is not running"
            ;;
        leader) cmd_leader ;;
        status) cmd_status ;;
        4lw)
            [ $# -eq 2 ] || usage_error "usage: 4lw DIR N WORD"
            load_cluster
            check_id "$1"
            local answer
            answer="$(fourlw "${CLIENT_PORT[$1]}" "$2")"
            [ -n "$answer" ] || die "server $1 of $DIR did not answer '$2'"
            printf '%s\n' "$answer"
            ;;
        *) usage_error "unknown command '$cmd'" ;;
    esac
}

main "$@"
