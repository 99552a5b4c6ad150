#!/bin/sh
# rules.toml spells out the shipped classification rules (mailbot/rules/default_classification.toml)
# after its own sections: this rewrites that tail from the packaged file.
set -e
cd "$(dirname "$0")/.."
marker="# Classification: what a message says"
head=$(grep -n "^$marker" rules.toml | cut -d: -f1)
head -n $((head - 1)) rules.toml > rules.toml.new
cat mailbot/rules/default_classification.toml >> rules.toml.new
mv rules.toml.new rules.toml
