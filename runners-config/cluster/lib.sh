# Shared by bin/flink-cluster and bin/spark-cluster: jar resolution, free loopback ports, process
# groups, and waiting on a real condition with a deadline. Sourced, not run.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"

say() { echo "$name: $*" >&2; }
die() { say "$*"; exit 1; }

# The engine's runtime classpath (paths into ~/.m2), resolved by its pom under runners-config/cluster/.
# `mvn verify` resolves it as part of the build; a fresh checkout gets it on first start.
classpath() {
  local module="$root/runners-config/cluster/$1" file
  file="$module/target/classpath.txt"
  if [[ ! -s "$file" || "$module/pom.xml" -nt "$file" || "$root/pom.xml" -nt "$file" ]]; then
    say "resolving the $1 jars with Maven (once) ..."
    local log
    log="$(mktemp)"
    if ! mvn -B -q -f "$module/pom.xml" package >"$log" 2>&1; then
      cat "$log" >&2
      rm -f "$log"
      die "resolving the $1 jars failed (log above)"
    fi
    rm -f "$log"
    # Maven leaves an unchanged classpath file as it was: mark it as checked now.
    touch "$file"
  fi
  cat "$file"
}

# A port nothing on this machine answers on. A port bound on any interface answers on loopback too.
taken_ports=" "
free_port() {
  local port
  for _ in $(seq 200); do
    port=$((20000 + RANDOM % 40000))
    [[ "$taken_ports" == *" $port "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      taken_ports+="$port "
      echo "$port"
      return 0
    fi
  done
  die "found no free port on 127.0.0.1"
}

# Whether a failed start's logs say a port was taken between free_port's check and the bind
# (another process on the machine may take any port at any moment).
bind_failed() {
  grep -qsE 'BindException|Address already in use|could not bind' "$state"/log/*.out "$state"/log/*.log
}

# Runs a start function (which cleans up after itself and returns non-zero on failure) up to three
# times while its failure is a port taken meanwhile; each try picks new ports.
start_with_retries() {
  local attempt
  for attempt in 1 2 3; do
    "$1" && return 0
    bind_failed || return 1
    ((attempt < 3)) && say "a port was taken while starting (try $attempt of 3): trying other ports"
  done
  return 1
}

# Starts a command as the leader of its own process group (children such as Spark's executors
# join it), with output to a log; prints its pid, which is also the group id.
spawn() {
  local log="$1"
  shift
  setsid "$@" </dev/null >"$log" 2>&1 &
  echo $!
}

alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

group_alive() { [[ -n "${1:-}" ]] && kill -0 -- "-$1" 2>/dev/null; }

# Whether a process group is this cluster's: a pid in a state file may, after a reboot, belong to
# another program, whose group must not be killed. Each of our processes names the state folder.
group_is_ours() {
  local member
  for member in $(pgrep -g "$1" 2>/dev/null); do
    tr '\0' ' ' <"/proc/$member/cmdline" 2>/dev/null | grep -qF "$state" && return 0
  done
  return 1
}

# Ends a process group: TERM, then KILL for whatever is left after the grace period.
stop_group() {
  local pid="$1" grace="${2:-20}"
  group_alive "$pid" || return 0
  if ! group_is_ours "$pid"; then
    say "process group $pid is not this cluster's any more: left alone"
    return 0
  fi
  kill -TERM -- "-$pid" 2>/dev/null || true
  local deadline=$((SECONDS + grace))
  while group_alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
  if group_alive "$pid"; then
    say "process group $pid ignored TERM for ${grace}s: killing it"
    kill -KILL -- "-$pid" 2>/dev/null || true
    while group_alive "$pid"; do sleep 0.1; done
  fi
}

# Polls `check` (a shell function) every half second until it succeeds, a watched process dies, or
# the deadline passes. Usage: await SECONDS WHAT check_fn pid...
await() {
  local seconds="$1" what="$2" check="$3"
  shift 3
  local deadline=$((SECONDS + seconds))
  while ((SECONDS < deadline)); do
    "$check" && return 0
    local pid
    for pid in "$@"; do
      alive "$pid" || { say "a process ($pid) ended while waiting for $what"; return 1; }
    done
    sleep 0.5
  done
  say "no $what within ${seconds}s"
  return 1
}

# Prints the value of key in the state dir's env file.
state_get() { [[ -f "$state/cluster.env" ]] && sed -n "s/^$1=//p" "$state/cluster.env" || true; }

usage_common() {
  cat >&2 <<USAGE
Usage: $name start|stop|status [--dir=DIR] [--timeout=SECONDS]
       $name $client_command [--dir=DIR] ARGS...
  start   starts the cluster on 127.0.0.1 and free ports, waits until it is ready (or fails after
          --timeout, default 180) and prints the master address on stdout
  stop    stops every process of the cluster and deletes its working copies (logs stay)
  status  prints the master address and exits 0 if the cluster is up, else exits 3
  $client_command
          the engine's own client, configured for this cluster, with ARGS as given; e.g.
          $client_example
  --dir   state folder: pids, ports, config, logs (default target/$name under the repository)
USAGE
}

# The engine's own client command ($client_command, set by the script before sourcing this: flink
# or spark-submit) takes [--dir=DIR], then the client's arguments, kept untouched in client_args.
parse_args() {
  command="${1:-}"
  [[ $# -gt 0 ]] && shift
  state="$root/target/$name"
  timeout=180
  client_args=()
  if [[ "$command" == "$client_command" ]]; then
    if [[ "${1:-}" == --dir=* ]]; then
      state="${1#--dir=}"
      shift
    fi
    client_args=("$@")
  else
    for arg in "$@"; do
      case "$arg" in
        --dir=*) state="${arg#--dir=}" ;;
        --timeout=*) timeout="${arg#--timeout=}" ;;
        *) usage_common; exit 2 ;;
      esac
    done
  fi
  [[ "$timeout" =~ ^[0-9]+$ ]] || { say "--timeout=$timeout: must be a number of seconds"; exit 2; }
  case "$command" in
    start | stop | status | "$client_command") ;;
    *) usage_common; exit 2 ;;
  esac
  mkdir -p "$state"
  state="$(cd "$state" && pwd)"
}
