#!/bin/sh
# docs/protocol.md must be exactly what the codec's table generates.
. "$(dirname "$0")/../lib/tap.sh"
gen="$GWE_BUILD/tests/gen_protocol_doc"
if [ ! -x "$gen" ]; then
	not_ok "generator $gen is built"
	tap_end
fi
out=$(mktemp)
"$gen" > "$out"
if diff -u "$GWE_TOP/docs/protocol.md" "$out" > "$out.diff"; then
	ok "docs/protocol.md matches the codec table"
else
	not_ok "docs/protocol.md matches the codec table (run make docs)"
	sed 's/^/# /' "$out.diff" | head -40
fi
for t in VERIFY_REQ INSTALL_REQ RESULT ACK UNACKED_QUERY APPS_QUERY APP_ENTRY \
    APPS_END CTL_STATUS CTL_STATUS_ANSWER CTL_CHECKIN CTL_INSTALL CTL_DONE ERROR; do
	check "docs/protocol.md documents $t" grep -q "^### [0-9]* \`$t\`" "$GWE_TOP/docs/protocol.md"
done
rm -f "$out" "$out.diff"
tap_end
