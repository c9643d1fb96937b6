# bash completion for spawn(1). Option names come from `spawn --help` (read
# once per shell), so they never go stale; values are completed as
# systemd-nspawn's completion completes them.
_spawn_options() {
    if [[ -z ${_spawn_opts_cache-} ]]; then
        _spawn_opts_cache=$("${1:-spawn}" --help 2>/dev/null | grep -oE -- '(^| )-(-[a-z][a-z0-9-]*|[a-zA-Z])' | tr -d ' ' | sort -u)
    fi
    printf '%s\n' "$_spawn_opts_cache"
}

_spawn_machines() {
    local d
    for d in /var/lib/machines /var/lib/container /usr/local/lib/machines /usr/lib/machines; do
        [[ -d $d ]] && find "$d" -mindepth 1 -maxdepth 1 \( -type d -o -name '*.raw' \) -printf '%f\n' 2>/dev/null
    done | sed 's/\.raw$//' | sort -u
}

_spawn() {
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        _init_completion -n = || return
    else
        cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    fi
    local opt=$prev value=$cur
    if [[ $cur == --*=* ]]; then
        opt=${cur%%=*} value=${cur#*=}
    fi
    local values=""
    case $opt in
        -D|--directory|--template|--pivot-root) COMPREPLY=($(compgen -d -- "$value")); return ;;
        -i|--image|--load-credential|--oci-bundle) COMPREPLY=($(compgen -f -- "$value")); return ;;
        -M|--machine) values=$(_spawn_machines) ;;
        --link-journal) values="no auto guest host try-guest try-host" ;;
        --console) values="interactive read-only passive pipe autopipe" ;;
        --resolv-conf) values="off copy-host copy-static copy-uplink copy-stub replace-host replace-static replace-uplink replace-stub bind-host bind-static bind-uplink bind-stub delete auto" ;;
        --timezone) values="off copy bind symlink delete auto" ;;
        --settings) values="yes no override trusted" ;;
        --register|--notify-ready|--suppress-sync|--no-new-privileges) values="yes no" ;;
        --private-users) values="no yes pick identity" ;;
        --private-users-ownership) values="off chown map auto" ;;
        --personality) values="x86 x86-64" ;;
        --kill-signal) values=$(kill -l 2>/dev/null | tr -s '[:space:]' '\n' | grep -E '^SIG' ) ;;
        --capability|--drop-capability|--ambient-capability)
            values="all $(for c in /usr/include/linux/capability.h; do grep -oE '#define CAP_[A-Z_]+ +[0-9]+' "$c" 2>/dev/null | cut -d' ' -f2; done)" ;;
        --network-interface|--network-macvlan|--network-ipvlan|--network-bridge)
            values=$(ls /sys/class/net 2>/dev/null) ;;
        -u|--user) values=$(compgen -u) ;;
        --bind-user) values=$(compgen -u) ;;
        --bind|--bind-ro|--inaccessible|--tmpfs|--chdir|--hostname|--uuid|-S|--slice|--property|-E|--setenv|\
        -p|--port|--network-zone|--network-veth-extra|--network-namespace-path|--network-address|--rlimit|\
        --oom-score-adjust|--cpu-affinity|--system-call-filter|--set-credential|-Z|--selinux-context|\
        -L|--selinux-apifs-context)
            return ;;  # free-form
    esac
    if [[ -n $values ]]; then
        if [[ $cur == --*=* ]]; then
            COMPREPLY=($(compgen -P "$opt=" -W "$values" -- "$value"))
        else
            COMPREPLY=($(compgen -W "$values" -- "$value"))
        fi
        return
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_spawn_options "${COMP_WORDS[0]}")" -- "$cur"))
        return
    fi
}
complete -F _spawn spawn
