#!/usr/bin/env bash
# Restore drill: prove that last night's kind of backup can be restored.
#
#   DATABASE_URL=postgres://user:password@host:5432/norec scripts/restore_drill.sh
#
# 1. pg_dump the database at DATABASE_URL (custom format, the format of the nightly backup);
# 2. create a scratch database next to it and pg_restore the dump into it;
# 3. count the rows of every table in both and compare them (a table whose row count
#    changed while the dump ran is accepted when the restored count lies between the
#    counts before and after the dump: the database is live);
# 4. check that the append-only triggers (audit log, consent ledger) came back;
# 5. drop the scratch database and the dump, whatever happened.
#
# Exits 0 when every table matches, 1 on any mismatch, 2 on a usage error.
#
# Optional environment:
#   SCRATCH_DB        name of the scratch database (default: <database>_restore_drill_<pid>)
#   DUMP_FILE         restore this existing dump instead of taking a new one
#   KEEP_DUMP=1       keep the dump file taken by the drill (printed at the end)
#   PG_RESTORE_ARGS   extra pg_restore arguments, e.g. "--jobs=4"
# The role in DATABASE_URL needs the CREATEDB privilege.
set -euo pipefail

if [[ -z "${DATABASE_URL:-}" ]]; then
  echo "restore_drill: set DATABASE_URL=postgres://user:password@host:port/database" >&2
  exit 2
fi
for tool in pg_dump pg_restore psql; do
  command -v "$tool" >/dev/null || { echo "restore_drill: $tool is not installed" >&2; exit 2; }
done

url_without_query="${DATABASE_URL%%\?*}"
query=""
[[ "$DATABASE_URL" == *\?* ]] && query="?${DATABASE_URL#*\?}"
source_db="${url_without_query##*/}"
server_url="${url_without_query%/*}"
if [[ -z "$source_db" || "$server_url" == "$url_without_query" ]]; then
  echo "restore_drill: DATABASE_URL names no database" >&2
  exit 2
fi
scratch_db="${SCRATCH_DB:-${source_db}_restore_drill_$$}"
if [[ ! "$scratch_db" =~ ^[A-Za-z0-9_]+$ || "$scratch_db" == "$source_db" ]]; then
  echo "restore_drill: unusable scratch database name: $scratch_db" >&2
  exit 2
fi
scratch_url="${server_url}/${scratch_db}${query}"
maintenance_url="${server_url}/postgres${query}"

workdir="$(mktemp -d)"
dump="${DUMP_FILE:-$workdir/norec.dump}"
created=0
cleanup() {
  if [[ "$created" == 1 ]]; then
    psql "$maintenance_url" -q -v ON_ERROR_STOP=1 \
      -c "DROP DATABASE IF EXISTS \"$scratch_db\" WITH (FORCE)" >/dev/null || \
      echo "restore_drill: could not drop $scratch_db; drop it by hand" >&2
  fi
  if [[ "${KEEP_DUMP:-0}" == 1 && -z "${DUMP_FILE:-}" ]]; then
    kept="$(mktemp --suffix=.dump)"
    mv "$dump" "$kept"
    echo "restore_drill: dump kept in $kept"
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

# Exact row counts of every table of the public schema, as "table count" lines.
count_rows() {
  psql "$1" -X -q -A -t -F ' ' -v ON_ERROR_STOP=1 <<'SQL'
SELECT table_name,
       (xpath('/row/n/text()',
              query_to_xml(format('SELECT count(*) AS n FROM %I.%I', table_schema, table_name),
                           false, true, '')))[1]::text::bigint
FROM information_schema.tables
WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
ORDER BY table_name;
SQL
}

count_triggers() {
  psql "$1" -X -q -A -t -v ON_ERROR_STOP=1 \
    -c "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE '%append_only'"
}

echo "restore_drill: counting rows of $source_db"
count_rows "$DATABASE_URL" > "$workdir/before"
if [[ -z "${DUMP_FILE:-}" ]]; then
  echo "restore_drill: pg_dump $source_db"
  pg_dump --format=custom --no-owner --no-privileges --file="$dump" --dbname="$DATABASE_URL"
fi
count_rows "$DATABASE_URL" > "$workdir/after"

echo "restore_drill: restoring into scratch database $scratch_db"
psql "$maintenance_url" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$scratch_db\"" >/dev/null
created=1
# shellcheck disable=SC2086  # PG_RESTORE_ARGS is a list of arguments on purpose
pg_restore --no-owner --no-privileges --exit-on-error ${PG_RESTORE_ARGS:-} \
  --dbname="$scratch_url" "$dump"
count_rows "$scratch_url" > "$workdir/restored"

status=0
tables=0
printf '%-45s %12s %12s  %s\n' "table" "source" "restored" "result"
while read -r table before; do
  tables=$((tables + 1))
  after="$(awk -v t="$table" '$1 == t {print $2}' "$workdir/after")"
  restored="$(awk -v t="$table" '$1 == t {print $2}' "$workdir/restored")"
  low=$(( before < ${after:-$before} ? before : ${after:-$before} ))
  high=$(( before > ${after:-$before} ? before : ${after:-$before} ))
  if [[ -z "$restored" ]]; then
    result="MISSING"; status=1
  elif (( restored < low || restored > high )); then
    result="MISMATCH"; status=1
  elif (( low != high )); then
    result="ok (changed during the dump: $before → $after)"
  else
    result="ok"
  fi
  printf '%-45s %12s %12s  %s\n' "$table" "$before" "${restored:--}" "$result"
done < "$workdir/before"

source_triggers="$(count_triggers "$DATABASE_URL")"
restored_triggers="$(count_triggers "$scratch_url")"
if [[ "$source_triggers" != "$restored_triggers" ]]; then
  echo "restore_drill: append-only triggers: $source_triggers in the source, $restored_triggers restored"
  status=1
fi

if [[ "$status" == 0 ]]; then
  echo "restore_drill: OK — $tables tables restored with the same row counts ($source_triggers append-only triggers)"
else
  echo "restore_drill: FAILED — the restored database differs from the source" >&2
fi
exit "$status"
