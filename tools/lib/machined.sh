# tools/lib/machined.sh: source it. ensure_machined makes sure a system bus and
# systemd-machined answer, starting them by hand on a host without systemd as
# PID 1 (they keep running, as they would under systemd). It records what it
# started in MACHINED_STARTED_DBUS / MACHINED_STARTED_MACHINED, so a script
# that must leave the host as it found it (tools/bench/*) can call
# stop_started_machined on exit. Needs root.
MACHINED_STARTED_DBUS= MACHINED_STARTED_MACHINED=
ensure_machined() {
    if [ -d /run/systemd/system ]; then
        return 0  # systemd as PID 1: it activates machined on demand
    fi
    if ! busctl --system status >/dev/null 2>&1; then
        mkdir -p /run/dbus
        if [ -f /run/dbus/pid ] && ! kill -0 "$(cat /run/dbus/pid)" 2>/dev/null; then rm -f /run/dbus/pid; fi
        MACHINED_STARTED_DBUS=$(dbus-daemon --system --fork --print-pid) \
            || { echo "${PROG:-spawn}: could not start the system bus (dbus-daemon --system)" >&2; return 1; }
    fi
    if ! busctl --system status org.freedesktop.machine1 >/dev/null 2>&1; then
        setsid /lib/systemd/systemd-machined </dev/null >/dev/null 2>&1 &
        MACHINED_STARTED_MACHINED=$!
        for _ in $(seq 1 100); do
            busctl --system status org.freedesktop.machine1 >/dev/null 2>&1 && return 0
            sleep 0.05
        done
        echo "${PROG:-spawn}: systemd-machined did not come up on the system bus" >&2
        return 1
    fi
}
stop_started_machined() {
    [ -n "$MACHINED_STARTED_MACHINED" ] && kill "$MACHINED_STARTED_MACHINED" 2>/dev/null
    [ -n "$MACHINED_STARTED_DBUS" ] && { kill "$MACHINED_STARTED_DBUS" 2>/dev/null; rm -f /run/dbus/pid; }
    MACHINED_STARTED_DBUS= MACHINED_STARTED_MACHINED=
    return 0
}
