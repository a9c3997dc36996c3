"""gunicorn's settings shared by `make run`, the image and docker-compose (`--config python:config.gunicorn`).

The access log names the path but never the query string nor the referring page: a nurse's search
(`?q=` a name or a phone fragment) and the patient list's filters would otherwise land in the log.
"""

accesslog = "-"
# Address, time, method, path without its query, protocol, status, size, duration in ms, user agent.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
