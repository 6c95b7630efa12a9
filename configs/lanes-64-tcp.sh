#!/usr/bin/env bash
# 64 lanes whose 192 devices are emulated in processes of their own (`fiscal-host emulate`), so
# the host's memory and CPU do not include the emulators' (what an in-process emulator keeps as
# its fiscal archive or terminal journal is the device's memory, not the host's). Starts the
# emulators on 127.0.0.1:PORT.. (three per lane), writes the host's configuration to $1 and
# waits; Ctrl-C (or killing it) stops every emulator.
#
#   configs/lanes-64-tcp.sh /tmp/lanes-64-tcp.toml &
#   target/release/fiscal-host --config /tmp/lanes-64-tcp.toml --data-dir /tmp/fh-tcp --listen 127.0.0.1:18380 &
#   target/release/loadgen --url http://127.0.0.1:18380 --face ws --clients 64 --duration 60s --host-pid $(pgrep -f 'listen 127.0.0.1:18380')
set -euo pipefail
config=${1:?usage: lanes-64-tcp.sh CONFIG.toml [FIRST_PORT]}
port=${2:-19000}
host=${FISCAL_HOST:-$(dirname "$0")/../target/release/fiscal-host}
lanes=${LANES:-64}
trap 'kill $(jobs -p) 2>/dev/null' EXIT
{
    echo "# Written by configs/lanes-64-tcp.sh: $lanes lanes on emulators in processes of their own."
    echo 'listen = "127.0.0.1:8080"'
} > "$config.tmp"
for lane in $(seq "$lanes"); do
    kkt=$port; printer=$((port + 1)); terminal=$((port + 2)); port=$((port + 3))
    "$host" emulate shtrih-m --tcp "127.0.0.1:$kkt" > /dev/null &
    "$host" emulate escpos --tcp "127.0.0.1:$printer" > /dev/null &
    "$host" emulate zvt --tcp "127.0.0.1:$terminal" > /dev/null &
    cat >> "$config.tmp" <<TOML

[[devices]]
id = "kkt-$lane"
kind = "fiscal-register"
driver = "shtrih-m"
transport = { type = "tcp", address = "127.0.0.1:$kkt" }
printer = "printer-$lane"
terminal = "terminal-$lane"

[[devices]]
id = "printer-$lane"
kind = "printer"
driver = "escpos"
transport = { type = "tcp", address = "127.0.0.1:$printer" }

[[devices]]
id = "terminal-$lane"
kind = "payment-terminal"
driver = "zvt"
transport = { type = "tcp", address = "127.0.0.1:$terminal" }
TOML
done
# Every emulator listens before the configuration appears.
for p in $(seq "${2:-19000}" $((port - 1))); do
    until (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do sleep 0.05; done
done
mv "$config.tmp" "$config"
echo "$lanes lanes emulated; configuration in $config"
wait
