# bash completion for mctl(1). Verbs and options come from `mctl --help`
# (read once per shell); machine and image names from the running system.
_mctl_help() {
    if [[ -z ${_mctl_help_cache-} ]]; then
        _mctl_help_cache=$("${1:-mctl}" --help 2>/dev/null)
    fi
    printf '%s\n' "$_mctl_help_cache"
}

_mctl() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local prog=${COMP_WORDS[0]}
    local help verbs
    help=$(_mctl_help "$prog")
    verbs=$(printf '%s\n' "$help" | grep -E '^  [a-z][a-z-]+ ' | awk '{print $1}')
    case $prev in
        -s|--signal) COMPREPLY=($(compgen -W "$(kill -l 2>/dev/null | tr -s '[:space:]' '\n' | grep -E '^SIG')" -- "$cur")); return ;;
        --kill-whom) COMPREPLY=($(compgen -W "leader all" -- "$cur")); return ;;
        --order) COMPREPLY=($(compgen -W "cpu memory tasks io net name" -- "$cur")); return ;;
        --format) COMPREPLY=($(compgen -W "uncompressed gzip xz zstd bzip2" -- "$cur")); return ;;
        --verify) COMPREPLY=($(compgen -W "no checksum signature" -- "$cur")); return ;;
        --keyring) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        -o|--output) COMPREPLY=($(compgen -W "short short-iso short-iso-precise short-precise short-monotonic short-unix short-full short-delta verbose export json json-pretty json-sse json-seq cat with-unit" -- "$cur")); return ;;
        -p|--property|-n|--lines|-u|--unit|-E|--setenv|--uid|-H|--host|-M|--machine|--max-addresses|--delay|--iterations) return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(printf '%s\n' "$help" | grep -oE -- '(^| )-(-[a-z][a-z0-9-]*|[a-zA-Z])' | tr -d ' ' | sort -u)" -- "$cur"))
        return
    fi
    # The verb: the first word that is not an option.
    local i verb=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        [[ ${COMP_WORDS[i]} == -* ]] && continue
        verb=${COMP_WORDS[i]}
        break
    done
    if [[ -z $verb ]]; then
        COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
        return
    fi
    local names=""
    case $verb in
        status|show|login|shell|exec|poweroff|reboot|terminate|kill|journal|stats|top|copy-to|copy-from|bind)
            names=$("$prog" list --no-legend 2>/dev/null | awk '{print $1}') ;;
        start|enable|disable|image-status|show-image|clone|rename|remove|read-only|set-limit|export-tar|export-raw)
            names=$("$prog" list-images --no-legend 2>/dev/null | awk '{print $1}') ;;
    esac
    COMPREPLY=($(compgen -W "$names" -- "$cur"))
}
complete -F _mctl mctl
