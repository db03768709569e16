#!/usr/bin/env bash
# deploy/k8s/fleet-secret.sh FLEET_DIR [NAME]: prints the Secret (default
# name lampsim-fleet) that gives the pods of deploy/k8s the fleet they
# provision new lamps from: the device CA and its key (lamp
# certificates), the cloud CA certificate (the keystore's trust anchor),
# the firmware's public key and content key (the image is checked and
# installed), the app-signing public key (every keystore holds it), and
# the registry (rows are added to a copy).  Never the firmware or app
# signing key or the cloud CA's key: a pod signs nothing.
#   bash deploy/k8s/fleet-secret.sh fleet | kubectl apply -f -
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 FLEET_DIR [NAME]" >&2
    exit 2
fi
fleet=$1 name=${2:-lampsim-fleet}
files=(device-ca.crt device-ca.key cloud-ca.crt firmware-signing.pub firmware-encryption.key
       app-signing.pub registry.sqlite)
for f in "${files[@]}"; do
    [ -r "$fleet/$f" ] || { echo "fleet-secret: $fleet/$f is missing or unreadable; is $fleet a fleet" \
        "directory (lampfactory fleet-init)?" >&2; exit 1; }
done
# A Secret holds at most 1 MiB: a registry that already has many lamps
# does not fit (the provisioning Job writes theirs to the claim instead).
size=$(du -cb "${files[@]/#/$fleet/}" | tail -1 | cut -f1)
if [ "$size" -gt 786432 ]; then
    echo "fleet-secret: $fleet holds $size bytes, more than a Secret takes (1 MiB in base64);" \
        "give it a fleet whose registry.sqlite is small, e.g. as fleet-init left it" >&2
    exit 1
fi
printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  labels:\n    app.kubernetes.io/name: lampsim\ntype: Opaque\ndata:\n' "$name"
for f in "${files[@]}"; do
    printf '  %s: %s\n' "$f" "$(base64 -w0 <"$fleet/$f")"
done
