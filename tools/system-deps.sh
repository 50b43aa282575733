#!/usr/bin/env bash
# Install the system packages rtaudio needs (PortAudio, libsndfile, JACK for
# the tests, Xvfb for GUI screenshots, espeak-ng for a real speech clip in the
# YIN tests) when running as root and missing.
set -euo pipefail
PACKAGES=(libportaudio2 portaudio19-dev libsndfile1 jackd2 xvfb xauth espeak-ng)
missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "rtaudio: missing system packages: ${missing[*]} (install them with your package manager)" >&2
    exit 0
fi
echo "rtaudio: installing system packages: ${missing[*]}"
# jackd2 asks whether to enable realtime scheduling; answer it non-interactively.
echo "jackd2 jackd/tweak_rt_limits boolean false" | debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
