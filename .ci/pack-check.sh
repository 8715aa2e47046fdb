#!/usr/bin/env bash
# CI: the package as a stranger gets it. Pack atlog as npm would publish it, check what the tarball carries,
# install it into an empty directory from the registry (no lock file, no overrides of this repository), and
# use it there: import `atlog` and `atlog/verify` (.ci/pack-smoke.mjs), compile docs/examples/sign-and-verify.ts
# (as shipped in the tarball) against the installed types and run it, run `npx atlog --version`, and finally
# reinstall with `npm ci` from the lock file that install wrote.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
fail() { echo "pack-check: $*" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/atlog-pack-XXXXXX")
trap 'rm -rf "$work"' EXIT

# 1. Pack (prepack builds dist/ from scratch, so no stale file of a removed module slips in).
npm pack --silent --pack-destination "$work" > "$work/pack.out"
tarball="$work/$(tail -n 1 "$work/pack.out")"
version=$(node -p "require('./package.json').version")
echo "pack-check: $(basename "$tarball")"

# 2. What the tarball carries.
tar -tzf "$tarball" | sort > "$work/files"
for f in package/LICENSE package/README.md package/package.json package/dist/index.js package/dist/index.d.ts \
  package/dist/verify/index.js package/dist/verify/index.d.ts package/dist/node/index.js package/dist/node/verify.js package/dist/cli/main.js package/docs/examples/sign-and-verify.ts \
  package/dist/integrations/openai-agents/index.js package/dist/integrations/ai-sdk/index.js package/dist/integrations/otel/index.d.ts; do
  grep -qxF "$f" "$work/files" || fail "the tarball lacks $f"
done
grep -q 'Apache License' <(tar -xzOf "$tarball" package/LICENSE) || fail 'LICENSE is not the Apache-2.0 text'
if grep -E '\.tsbuildinfo$|\.map$|^package/(src|test|test-vectors|bench|\.ci)/' "$work/files"; then fail 'the tarball carries files it should not'; fi
mkdir "$work/unpacked" && tar -xzf "$tarball" -C "$work/unpacked"
if grep -rl 'sourceMappingURL' "$work/unpacked/package/dist"; then fail 'dist/ points at source maps the tarball does not carry'; fi

# 3. Install into an empty project, with the compiler versions this repository uses.
ts_version=$(node -p "require('./node_modules/typescript/package.json').version")
types_node=$(node -p "require('./node_modules/@types/node/package.json').version")
consumer="$work/consumer"
mkdir "$consumer" && cd "$consumer"
printf '{ "name": "atlog-consumer", "private": true, "type": "module" }\n' > package.json
npm install --no-audit --no-fund --loglevel=error "$tarball" "typescript@$ts_version" "@types/node@$types_node"

# 4. Use it: the smoke script, the documented example compiled against the installed types, the CLI.
cp "$repo/.ci/pack-smoke.mjs" smoke.mjs
node smoke.mjs
cp node_modules/atlog/docs/examples/sign-and-verify.ts example.ts
cat > tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "lib": ["ES2023"],
    "types": ["node"], "strict": true, "outDir": "out", "skipLibCheck": false
  },
  "files": ["example.ts"]
}
JSON
npx tsc -p tsconfig.json
[[ "$(node out/example.js)" == $'VALID\nNOT VALID: ERR_RECEIPT_INCLUSION_INVALID' ]] || fail 'the example did not print what docs/library.md says'
[[ "$(npx --no-install atlog --version)" == "$version" ]] || fail "npx atlog --version is not $version"

# 5. The lock file that install wrote must install again as is (it did not while cbor-x pulled cbor-extract 2.2.3).
rm -rf node_modules
npm ci --no-audit --no-fund --loglevel=error
node smoke.mjs > /dev/null
echo "pack-check: ok (atlog $version installs, imports, runs the example; npm ci reproduces the install)"
