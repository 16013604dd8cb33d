#!/bin/sh
# Flush the DNS cache of a service's pods (example runbook; replace the echo with your tooling).
# blast-radius: the DNS cache of {target} is emptied; lookups are slower for a few seconds
set -eu
echo "flushing the DNS cache of $1"
echo "done"
