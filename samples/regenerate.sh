#!/usr/bin/env bash
# Regenerate every file under samples/ from the library: the sample company's January 2027 templates and
# meeting pack, and its February 2027 cycle reconciled against January's pack.
#   bash samples/regenerate.sh
set -euo pipefail
cd "$(dirname "$0")"
RUN_TIME=2027-01-05T09:00:00
sop sample . --force
sop reconcile demand.xlsx capacity.xlsx -o sop-pack.xlsx --force --run-time "$RUN_TIME"
sop sample next-month --month 1 --force
sop reconcile next-month/demand.xlsx next-month/capacity.xlsx -o next-month/sop-pack.xlsx --force \
  --run-time 2027-02-04T09:00:00 --previous sop-pack.xlsx
