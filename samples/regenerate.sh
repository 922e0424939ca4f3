#!/usr/bin/env bash
# Regenerate every file under samples/ from the library: the sample company's January 2027 templates and
# meeting pack, its February 2027 cycle reconciled against January's pack, and the January cycle as its teams
# send it (teams/demand: a file per sales region; teams/capacity: a file per plant) with its pack and the
# annotated copies of each team's file.
#   bash samples/regenerate.sh
set -euo pipefail
cd "$(dirname "$0")"
RUN_TIME=2027-01-05T09:00:00
sop sample . --force
sop reconcile demand.xlsx capacity.xlsx -o sop-pack.xlsx --force --run-time "$RUN_TIME"
sop sample next-month --month 1 --force
sop reconcile next-month/demand.xlsx next-month/capacity.xlsx -o next-month/sop-pack.xlsx --force \
  --run-time 2027-02-04T09:00:00 --previous sop-pack.xlsx
# The same company as its teams send it: demand one file per sales region, capacity one per plant; the same plan.
sop sample teams --teams --force
sop reconcile teams/demand teams/capacity -o teams/sop-pack.xlsx --force --run-time "$RUN_TIME"
sop validate teams/demand teams/capacity --annotate teams/checked
