#!/usr/bin/env bash
# Runs ergomcp's checks: go vet, staticcheck and go test -race, ending with
# a "N passed, N failed, N skipped" line.
#
# Where ergo.services/ergo resolves (the public module proxy, or a module
# cache that has it), every package is checked. Where it does not, every
# package whose build does not need ergo is still checked, and the skipped
# ones are listed with the reason. It fails when no package could be tested.
#
# Its first line names the ergo version the go command selected (GOFLAGS
# may carry -modfile and -tags, as .ci/run's runs on other versions do).
# With ERGOMCP_REQUIRE_ALL=1 (CI) a package that cannot be built fails the run
# instead of being skipped; ERGOMCP_ERGO_LABEL adds words to the first line.
#
# Extra arguments go to go test (e.g. -run TestX, -count=3).
set -euo pipefail
cd "$(dirname "$0")/.."

STATICCHECK=honnef.co/go/tools/cmd/staticcheck@v0.8.2

ergo_line() {
	local v
	if ! v=$(go list -m -f '{{.Version}}' ergo.services/ergo 2>/dev/null) || [ -z "$v" ]; then
		echo "== ergo.services/ergo: not resolvable here"
		return
	fi
	local what
	case "$v" in
	v1.999.[0-9][0-9][0-9]) # v1.999.310 is release 3.1.0
		local n=${v#v1.999.}
		what="release ${n:0:1}.${n:1:1}.${n:2:1}" ;;
	*standin*) what="a 3.3-shaped stand-in, not ergo 3.3" ;;
	*-*) what="commit ${v##*-}" ;;
	*) what="$v" ;;
	esac
	local tags
	tags=$(go env GOFLAGS | grep -o -- '-tags=[^ ]*' || true)
	echo "== ergo.services/ergo $v ($what${ERGOMCP_ERGO_LABEL:+; $ERGOMCP_ERGO_LABEL})${tags:+, $tags}"
}
ergo_line

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
if [ "${#broken[@]}" -gt 0 ] && [ "${ERGOMCP_REQUIRE_ALL:-}" = 1 ]; then
	echo "FAIL: ERGOMCP_REQUIRE_ALL=1 and ${#broken[@]} packages cannot be built" >&2
	exit 1
fi
if [ "${#testable[@]}" -eq 0 ]; then
	echo "FAIL: no package could be built, nothing was tested" >&2
	exit 1
fi

echo "== go vet (${#testable[@]} packages)"
go vet "${testable[@]}"

echo "== staticcheck"
modfile=$(go env GOFLAGS | grep -o -- '-modfile=[^ ]*' | cut -d= -f2- || true)
if [ -z "$modfile" ]; then
	go run "$STATICCHECK" "${testable[@]}"
else
	# staticcheck's package loader runs a go list that refuses -modfile, so
	# it checks a copy of the tree whose go.mod is that modfile.
	copy=$(mktemp -d)
	tar --exclude=./.git -cf - . | tar -C "$copy" -xf -
	cp "$modfile" "$copy/go.mod"
	cp "${modfile%.mod}.sum" "$copy/go.sum"
	(cd "$copy" && GOFLAGS=$(go env GOFLAGS | sed 's/-modfile=[^ ]*//') go run "$STATICCHECK" "${testable[@]}")
	rm -rf "$copy"
fi

echo "== go test -race (${#testable[@]} packages)"
# go test's own verdict is replaced by internal/testrun's, which fails on
# everything go test fails on except races between two accesses made by
# ergo's own code (see internal/testrun/main.go for why and how).
go build -o "${TMPDIR:-/tmp}/ergomcp-testrun.$$" ./internal/testrun
trap 'rm -f "${TMPDIR:-/tmp}/ergomcp-testrun.$$"' EXIT
#
# Tests that judge rates in real time (diagnose on live faults, the
# scenarios' own rates) skip themselves under the race detector, which
# slows a node several times, and run again here without it. With extra
# arguments (a narrowed run) only the -race pass is made.
realtime='^(TestDiagnoseCorpus|TestDiagnoseAllAtOnce|TestScenarios)$'
realtime_pkgs=()
for pkg in github.com/ergomcp/ergomcp github.com/ergomcp/ergomcp/examples/scenario; do
	[[ " ${testable[*]} " == *" $pkg "* ]] && realtime_pkgs+=("$pkg")
done
{
	go test -race -json -count=1 "$@" "${testable[@]}" || true
	if [ "$#" -eq 0 ] && [ "${#realtime_pkgs[@]}" -gt 0 ]; then
		echo "== real-time tests without -race: ${realtime_pkgs[*]}" >&2
		go test -json -count=1 -run "$realtime" "${realtime_pkgs[@]}" || true
	fi
} | "${TMPDIR:-/tmp}/ergomcp-testrun.$$"
