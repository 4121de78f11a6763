# A stand-in for python:3.11-slim-bookworm, from Debian's own packages (Python 3.11), for an engine
# that cannot pull public images. Built by deploy/offline-images, which puts the building machine's
# CA bundle beside this file: where that machine reaches the package index through a proxy with a CA
# of its own, pip in the image build (deploy/Dockerfile) trusts it the same way.
FROM cohort-lrs-offline/debian:bookworm
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s /usr/bin/python3 /usr/local/bin/python
COPY host-ca-certificates.crt /etc/ssl/certs/host-ca-certificates.crt
ENV PIP_CERT=/etc/ssl/certs/host-ca-certificates.crt
CMD ["python3"]
