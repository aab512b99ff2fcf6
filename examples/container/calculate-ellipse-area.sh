#!/bin/sh
# The area of an ellipse with semi-axes $1 and $2, and a note about how it was computed, written as
# Flyte raw-container outputs (one file per output) into the directory $3.
set -eu
a="$1"
b="$2"
out="$3"
awk -v a="$a" -v b="$b" 'BEGIN { printf "%.15g\n", 3.141592653589793 * a * b }' > "$out/area"
echo "[from shell rawcontainer] area of an ellipse with semi-axes $a and $b" > "$out/metadata"
