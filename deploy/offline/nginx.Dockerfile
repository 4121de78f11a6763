# A stand-in for nginx:1.27-bookworm, from Debian's nginx (1.22), for an engine that cannot pull
# public images. Built by deploy/offline-images. Like the official image it reads conf.d/*.conf.
FROM cohort-lrs-offline/debian:bookworm
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default \
 && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80 443
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
