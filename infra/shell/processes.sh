# Sourced by the test and benchmark scripts (after they cd to the
# repository's root): stopping what a script started, by its PID, and
# finding and waiting for ports on 127.0.0.1. Nothing here is ever stopped
# by name.

# stop_pid ends one process we started: TERM, up to 10 s, then KILL; it
# reaps the process when it is this shell's child.
stop_pid() {
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# free_port prints a TCP port free on 127.0.0.1 now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port waits (at most 30 s) until PID $1 listens on 127.0.0.1:$2.
wait_port() {
	local pid=$1 port=$2 i
	for i in $(seq 1 120); do
		kill -0 "$pid" 2>/dev/null || { echo "process $pid exited while starting"; return 1; }
		if python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.5)" 2>/dev/null; then return 0; fi
		sleep 0.25
	done
	echo "nothing listens on 127.0.0.1:$port after 30 s"
	return 1
}
