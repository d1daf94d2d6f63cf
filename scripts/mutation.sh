#!/usr/bin/env bash
# Mutation testing of the ergo-free packages with gremlins: how many changed
# judgments (a flipped comparison, an off-by-one boundary, * for /) make a
# test fail. Slow (see TESTING.md for the times), so not part of .ci/run.
#
#   bash scripts/mutation.sh                 # every package of TESTING.md's table
#   bash scripts/mutation.sh sampler/ring    # some of them
#
# WORKERS (default 1) is gremlins' parallelism: keep it low on a shared
# machine, as a loaded one times tests out. Prints one line per package,
# killed / (killed + lived), then the mutants that lived; exits 1 when a
# package is below its goal.
set -euo pipefail
cd "$(dirname "$0")/.."

GREMLINS=github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0
declare -A goal=(
	[internal/diagnose]=85 [internal/window]=90 [internal/query]=90 [transport]=90
	[sampler]=85 [internal/record]=85 [sampler/ring]=85 [internal/catalog]=85 [internal/rank]=90
)
pkgs=("$@")
[ "${#pkgs[@]}" -gt 0 ] || pkgs=(internal/window internal/query internal/rank transport sampler sampler/ring internal/record internal/catalog internal/diagnose)

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
below=0
printf '%-20s %8s %6s %6s %9s %6s\n' package killed lived efficacy goal seconds
for p in "${pkgs[@]}"; do
	f="$out/$(echo "$p" | tr / _)"
	start=$(date +%s)
	GOFLAGS=-count=1 go run "$GREMLINS" unleash --workers "${WORKERS:-1}" --timeout-coefficient 10 "./$p" >"$f" 2>&1 || true
	took=$(($(date +%s) - start))
	killed=$(sed -n 's/^Killed: \([0-9]*\), Lived: \([0-9]*\).*/\1/p' "$f")
	lived=$(sed -n 's/^Killed: \([0-9]*\), Lived: \([0-9]*\).*/\2/p' "$f")
	if [ -z "$killed" ]; then
		echo "$p: gremlins gave no figures:" >&2
		tail -20 "$f" >&2
		below=1
		continue
	fi
	eff=$(awk -v k="$killed" -v l="$lived" 'BEGIN { if (k + l == 0) print 100; else printf "%.1f", 100 * k / (k + l) }')
	want=${goal[$p]-0}
	mark=""
	if awk -v e="$eff" -v g="$want" 'BEGIN { exit !(e < g) }'; then
		mark=" BELOW"
		below=1
	fi
	printf '%-20s %8s %6s %8s%% %5s%% %6s%s\n' "$p" "$killed" "$lived" "$eff" "$want" "$took" "$mark"
	grep -E '^ *(LIVED|TIMED OUT)' "$f" | sed "s|^ *|    $p: |" >>"$out/lived" || true
done
if [ -s "$out/lived" ]; then
	echo "mutants that lived (TESTING.md lists the ones that cannot be killed):"
	cat "$out/lived"
fi
exit "$below"
