#!/bin/sh
# Phase A of the issue-14 sweep: Crosses, paper protocol, ResNet-18 width 4,
# seed 0, 20 epochs with -history (the per-epoch test AUC also gives the
# 8-epoch numbers). One run at a time.
LAB=${LAB:-/tmp/sci/lab2}
P="-dataset crosses -protocol paper -width 4 -epochs 20 -igsteps 4 -seeds 1 -firstseed 0 -history"
run() { name=$1; shift
  [ -f sweep/$name.json ] && return
  echo "$(date -u +%T) $name: lab $P $*" >> sweep/commands.txt
  nice -n 15 $LAB $P "$@" -json sweep/$name.json > sweep/$name.md 2> sweep/$name.log
}
run baseline -method baseline
run masked-d7 -method masked
run rrr-file -method rrr
run rrr-lr3e-4-l1 -method rrr -lr 0.000311 -lambda 1
run masked-d1 -method masked -dilate 1
run actdiff-d7 -method actdiff
run gradmask-file -method gradmask
run adv-file -method adversarial
run shuffle-d7 -method shuffle
run masked-d17 -method masked -dilate 17
run rrr-lr3e-4-l0.1 -method rrr -lr 0.000311 -lambda 0.1
run rrr-lr3e-4-l10 -method rrr -lr 0.000311 -lambda 10
run rrr-lr3e-4-l100 -method rrr -lr 0.000311 -lambda 100
run rrr-lr1e-5-l1000 -method rrr -lambda 1000
run actdiff-l0.1 -method actdiff -lambda 0.1
run actdiff-l10 -method actdiff -lambda 10
run actdiff-d1 -method actdiff -dilate 1
run gradmask-l0.017 -method gradmask -lambda 0.017
run gradmask-l1.7 -method gradmask -lambda 1.7
run gradmask-l17 -method gradmask -lambda 17
run adv-l0.26 -method adversarial -lambda 0.26
run adv-l26 -method adversarial -lambda 26
run adv-lr3e-4 -method adversarial -lr 0.000311
echo "$(date -u +%T) done" >> sweep/commands.txt
