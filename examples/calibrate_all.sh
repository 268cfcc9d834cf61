#!/usr/bin/env bash
# Calibrate the shipped populations (examples/populations/*.yaml) to the trials named in each
# command. Everything not listed here is predicted. Takes a few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")"
IOSIM=${IOSIM:-iosim}
# Melanoma: anti-PD-1 and anti-CTLA-4 monotherapy arms of CheckMate 067, in two steps
# (the population's immunogenicity from nivolumab, then the CTLA-4 mechanism from ipilimumab).
$IOSIM calibrate checkmate067.yaml --target arm=nivolumab,orr=0.437,median_pfs_months=6.9 \
  --vary immunogenicity --patients 600 --max-evaluations 25 --population default --out populations/melanoma.yaml
$IOSIM calibrate checkmate067.yaml --population populations/melanoma.yaml \
  --target arm=ipilimumab,orr=0.19,median_pfs_months=2.9 \
  --vary ctla4_priming_gain,ctla4_treg_depletion --patients 600 --max-evaluations 40 --out populations/melanoma.yaml
# Follicular lymphoma: rituximab ORR and CR (McLaughlin 1998).
$IOSIM calibrate mclaughlin1998.yaml --target arm=rituximab,orr=0.48,cr_rate=0.06 \
  --vary mab_adcc,mab_cdc --patients 400 --max-evaluations 30 --population default --out populations/follicular_lymphoma.yaml
# HER2+ breast: trastuzumab ORR (Cobleigh 1999).
$IOSIM calibrate cobleigh1999.yaml --target arm=trastuzumab,orr=0.15 \
  --vary mab_adcc --patients 400 --max-evaluations 20 --population default --out populations/breast_her2_positive.yaml
# Large B-cell lymphoma: axicabtagene ciloleucel ORR and CR (ZUMA-1).
$IOSIM calibrate zuma1.yaml --target arm=axicabtagene_ciloleucel,orr=0.82,cr_rate=0.54 \
  --vary car_kill,car_expansion --patients 400 --max-evaluations 30 --population default --out populations/dlbcl.yaml
# Renal cell carcinoma: high-dose IL-2 ORR (Fyfe 1995).
$IOSIM calibrate hd_il2_rcc.yaml --target arm=aldesleukin,orr=0.14 \
  --vary il2_proliferation --patients 400 --max-evaluations 20 --population default --out populations/rcc.yaml
# Prostate: the placebo arm's overall survival (IMPACT); sipuleucel-T's effect is predicted.
$IOSIM calibrate impact.yaml --target arm=placebo,median_os_months=21.7 \
  --vary growth_rate --patients 400 --max-evaluations 20 --population default --out populations/prostate.yaml
