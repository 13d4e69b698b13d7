// Package simworld plays kubelet and mysqld for the MySQL pods of a kwok-simulated cluster.
//
// kwok only pretends to run pods: nothing listens on their (fake, private) pod IPs. simworld watches the pods
// labelled mysql.orca.dev/component=mysql and, for each one that is Running, boots a simulated MySQL 8.4
// member (package mysqlsim) configured as mysqld would be inside that pod: the shared my.cnf from the pod's
// ConfigMap volume, the per-member options `orca init` writes (server_id, report_host,
// group_replication_local_address, from the init container's flags), the root password from the Secret the
// mysql container's MYSQL_ROOT_PASSWORD refers to (used once, when the data folder is initialised, as the
// official image does) and the version from the image tag. Each member listens on its own loopback address
// 127.0.0.N (classic protocol and X Protocol) and is published in a memberdial.Loopback, the dialer the
// operator uses for every member connection, so nothing ever dials a pod IP.
//
// The members of one InnoDBCluster share one mysqlsim.Group. A member's data (server_uuid, GTIDs, persisted
// variables, accounts) lives as long as the pod's data PersistentVolumeClaim: deleting the pod shuts the
// member down (cleanly for a graceful deletion, like SIGTERM; a crash otherwise) and the pod's successor
// boots it again with that data; deleting the claim wipes it.
//
// simworld is also the kubelet's container runtime and prober for the mysql container, and writes its status
// (pods/status, strategic merge patches with optimistic concurrency, field manager FieldManager) as a kubelet
// would, so that the operator judges a member by its container as on a real cluster:
//   - kwok starts the container running but neither started nor ready (it has probes); once mysqld is up,
//     started and ready turn true (the startup and TCP readiness probes pass) and ContainersReady follows;
//   - when mysqld stops while its pod runs (a crash, SHUTDOWN, ABORT_SERVER, the end of a clone without a
//     supervisor, a failed boot) the container is terminated at once: exit code 137 (Error) for a kill, 0
//     (Completed) for a clean stop, 1 (Error) for a failed boot, with startedAt, finishedAt and the container id;
//     ready and started false, ContainersReady and Ready False (ContainersNotReady);
//   - half-way through Options.ContainerRestartDelay it shows the back-off: waiting (CrashLoopBackOff), lastState
//     the termination;
//   - the restart is a new container: restartCount+1, a new container id and startedAt, lastState the
//     termination, started and ready once mysqld is up, ContainersReady True and Ready True only while every
//     readiness gate is True (the gate itself is the operator's);
//   - under a supervisor (MYSQLD_PARENT_PID) mysqld restarts inside the container: it keeps running and only
//     ready follows mysqld.
//
// The exit code comes from how mysqld stopped: simworld knows when it stopped it itself (World.Shutdown, a pod
// deletion); otherwise the member's error log since its last boot tells (a clone's end, ABORT_SERVER, a failed
// boot, "Shutdown complete"), and a stop that logged nothing was a kill. The simulator does not log a SHUTDOWN
// statement yet, so a SHUTDOWN sent over SQL reads as a kill (137); World.Shutdown is SIGTERM to the container.
//
// Pod IPs are kwok's, from the pod's node's spec.podCIDR: World.PodNetwork reports both for each member, as data
// for the simulator's model of the member's network. Nothing ever dials them.
package simworld
