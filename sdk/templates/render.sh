#!/bin/sh
# Renders the SDK's crate templates, as a future `fiscal-host plugin new <world> <name>` will.
#
#   render.sh <template> <name> <dest>   copy sdk/templates/<template> to <dest>, substituting
#                                        {{name}} (kebab-case), {{crate}} (snake_case) and
#                                        {{sdk_path}} (absolute path of sdk/fiscal-host-guest,
#                                        or $SDK_PATH)
#   render.sh --check [dir]              render every template into [dir] (default: a new temp
#                                        dir), then in each: cargo build --target wasm32-wasip2
#                                        and cargo test (natively). Extra cargo flags come from
#                                        $CARGO_FLAGS (e.g. --offline); $CARGO_TARGET_DIR is honoured.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
sdk_path=${SDK_PATH:-$(cd "$here/../fiscal-host-guest" && pwd)}

render() {
    template=$1 name=$2 dest=$3
    case $name in
        *[!a-z0-9-]* | -* | *- | "") echo "render.sh: name must be kebab-case: $name" >&2; exit 2 ;;
    esac
    [ -d "$here/$template" ] || { echo "render.sh: no template $template" >&2; exit 2; }
    crate=$(printf %s "$name" | tr - _)
    mkdir -p "$dest"
    cp -R "$here/$template/." "$dest/"
    find "$dest" -type f | while read -r f; do
        sed -i -e "s|{{name}}|$name|g" -e "s|{{crate}}|$crate|g" -e "s|{{sdk_path}}|$sdk_path|g" "$f"
    done
    if grep -rn '{{' "$dest" >/dev/null; then
        echo "render.sh: placeholders left in $dest:" >&2
        grep -rn '{{' "$dest" >&2
        exit 1
    fi
}

if [ "${1:-}" = "--check" ]; then
    dir=${2:-$(mktemp -d)}
    for template in tax-calculator receipt-layout device-driver; do
        dest="$dir/demo-$template"
        rm -rf "$dest"
        render "$template" "demo-$template" "$dest"
        echo "== $template → $dest"
        # shellcheck disable=SC2086
        (cd "$dest" && cargo build ${CARGO_FLAGS:-} --target wasm32-wasip2 && cargo test ${CARGO_FLAGS:-})
        wasm="${CARGO_TARGET_DIR:-$dest/target}/wasm32-wasip2/debug/demo_$(printf %s "$template" | tr - _).wasm"
        [ -f "$wasm" ] || { echo "render.sh: no component at $wasm" >&2; exit 1; }
        echo "== $template: built $wasm"
    done
    echo "all templates build"
    exit 0
fi

[ $# -eq 3 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
render "$1" "$2" "$3"
