# tools/lib/packages.sh: shared by tools/test and tools/quickstart (source it).
#
# spawn_packages: prints the Debian packages the project needs, one a line,
#   read from the data file tools/packages.txt (the one place to add one).
# ensure_packages PKG...: installs the missing ones with apt-get (idempotent;
#   prints what it installs on stderr).

spawn_packages() {
    local here
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    # Comments stripped, one name a line.
    sed -e 's/#.*//' "$here/packages.txt" | tr -s ' \t' '\n' | sed '/^$/d'
}

ensure_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "${PROG:-spawn}: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
