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
package simworld
