#!/bin/sh
# Runs the lab once per line of queue.txt ("name: lab flags"), one run at a
# time, skipping names whose sweep/name.json exists; re-reads queue.txt
# after every run so that the queue can be edited while it runs.
LAB=${LAB:-/tmp/sci/lab3}
while [ -n "$WAITPID" ] && kill -0 "$WAITPID" 2>/dev/null; do sleep 5; done
while :; do
  line=$(grep -v '^#' queue.txt | while IFS= read -r l; do
    n=${l%%:*}; [ -n "$n" ] && [ ! -f "sweep/$n.json" ] && [ ! -f "sweep/$n.failed" ] && { echo "$l"; break; }; done)
  [ -z "$line" ] && break
  name=${line%%:*}; args=${line#*: }
  echo "$(date -u +%T) $name: lab $args" >> sweep/commands.txt
  nice -n 15 $LAB $args -json sweep/$name.json > sweep/$name.md 2> sweep/$name.log || touch sweep/$name.failed
done
echo "$(date -u +%T) queue empty" >> sweep/commands.txt
