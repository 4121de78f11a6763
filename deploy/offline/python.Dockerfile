# A stand-in for python:3.11-slim-bookworm, from Debian's own packages (Python 3.11), for an engine
# that cannot pull public images. Built by deploy/offline-images.
FROM cohort-lrs-offline/debian:bookworm
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s /usr/bin/python3 /usr/local/bin/python
CMD ["python3"]
