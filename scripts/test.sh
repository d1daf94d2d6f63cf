#!/usr/bin/env bash
# Runs ergomcp's checks: go vet, staticcheck and go test -race, ending with
# a "N passed, N failed, N skipped" line.
#
# Where ergo.services/ergo resolves (the public module proxy, or a module
# cache that has it), every package is checked. Where it does not, every
# package whose build does not need ergo is still checked, and the skipped
# ones are listed with the reason. It fails when no package could be tested.
#
# Extra arguments go to go test (e.g. -run TestX, -count=3).
set -euo pipefail
cd "$(dirname "$0")/.."

STATICCHECK=honnef.co/go/tools/cmd/staticcheck@v0.8.2

# One line per package and per test variant: "import/path|reason-if-broken".
listing=$(go list -e -test -f '{{.ImportPath}}|{{with .Error}}{{.Err}}{{end}}{{range .DepsErrors}}{{.Err}}; {{end}}' ./...)

declare -A broken=()
declare -a all=()
while IFS='|' read -r path reason; do
	pkg=${path%% *}                # "pkg [pkg.test]" -> "pkg"
	case "$pkg" in *.test) continue ;; esac
	pkg=${pkg%_test}               # external test package -> its package
	[[ " ${all[*]-} " == *" $pkg "* ]] || all+=("$pkg")
	if [ -n "$reason" ] && [ -z "${broken[$pkg]-}" ]; then
		broken[$pkg]=$(printf "%s" "${reason%%;*}" | head -n1 | cut -c1-160)
	fi
done <<<"$listing"

testable=()
for pkg in "${all[@]}"; do
	[ -n "${broken[$pkg]-}" ] || testable+=("$pkg")
done

if [ "${#broken[@]}" -gt 0 ]; then
	echo "== skipped ${#broken[@]} of ${#all[@]} packages: their build needs a module that does not resolve here"
	for pkg in "${all[@]}"; do
		[ -z "${broken[$pkg]-}" ] || echo "   skip $pkg: ${broken[$pkg]}"
	done
else
	echo "== all ${#all[@]} packages build here (ergo resolves): checking everything"
fi
if [ "${#testable[@]}" -eq 0 ]; then
	echo "FAIL: no package could be built, nothing was tested" >&2
	exit 1
fi

echo "== go vet (${#testable[@]} packages)"
go vet "${testable[@]}"

echo "== staticcheck"
go run "$STATICCHECK" "${testable[@]}"

echo "== go test -race (${#testable[@]} packages)"
# go test's own verdict is replaced by internal/testrun's, which fails on
# everything go test fails on except races between two accesses made by
# ergo's own code (see internal/testrun/main.go for why and how).
go build -o "${TMPDIR:-/tmp}/ergomcp-testrun.$$" ./internal/testrun
trap 'rm -f "${TMPDIR:-/tmp}/ergomcp-testrun.$$"' EXIT
{ go test -race -json -count=1 "$@" "${testable[@]}" || true; } | "${TMPDIR:-/tmp}/ergomcp-testrun.$$"
