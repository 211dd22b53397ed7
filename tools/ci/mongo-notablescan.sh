#!/usr/bin/env bash
# Turns on `notablescan` in a mongod running in a Docker container, then proves it: a find on an
# unindexed field must be refused. From then on any query that needs a collection scan fails
# ("No indexed plans available, and running with 'notablescan'"), so a test suite that passes
# against it makes only index-backed queries.
#
#   tools/ci/mongo-notablescan.sh <container id or name>
#
# GitHub Actions service containers take no command (only `options:`, i.e. `docker create` flags),
# so `mongod --setParameter notablescan=1` cannot be passed at start; the same server parameter is
# set at runtime with setParameter instead, through the image's own mongosh. Locally, with Docker:
#   docker run -d --name ao-mongo -p 27017:27017 mongo:8 && tools/ci/mongo-notablescan.sh ao-mongo
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 <container id or name>" >&2; exit 2; }

# shellcheck disable=SC2016 # JavaScript for mongosh, not shell.
script='
const set = db.adminCommand({ setParameter: 1, notablescan: 1 });
if (set.ok !== 1) throw new Error("setParameter notablescan failed: " + EJSON.stringify(set));
const got = db.adminCommand({ getParameter: 1, notablescan: 1 });
if (got.notablescan !== true) throw new Error("notablescan is " + EJSON.stringify(got.notablescan));
const probe = db.getSiblingDB("ao_notablescan_probe");
probe.c.insertOne({ a: 1 });
let refused = null;
try {
  probe.c.find({ a: 1 }).toArray();
} catch (e) {
  refused = e.message;
}
probe.dropDatabase();
if (!refused || !/notablescan/.test(refused)) throw new Error("a find on an unindexed field was not refused (" + refused + ")");
print("mongod " + db.version() + ": notablescan is on; a collection scan now fails: " + refused);
'

for attempt in 1 2 3 4 5 6 7 8 9 10; do
  if docker exec "$1" mongosh --quiet --eval 'db.adminCommand({ ping: 1 }).ok' >/dev/null 2>&1; then break; fi
  [ "$attempt" -lt 10 ] || { echo "mongod in container $1 does not answer" >&2; exit 1; }
  sleep 3
done
docker exec "$1" mongosh --quiet --eval "$script"
