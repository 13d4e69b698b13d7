// Package srvdial is a database/sql driver.Connector for go-sql-driver/mysql that follows DNS SRV records
// (RFC 2782), such as the role-aware ones Orca serves: it resolves _mysql._tcp.<name>, tries the targets by
// priority, weighted-random within a priority, moves to the next target when a connect fails, and resolves
// again once the records' TTL has passed.
//
//	cfg := mysql.NewConfig()
//	cfg.User, cfg.Passwd, cfg.DBName = "app", secret, "shop"
//	db := sql.OpenDB(&srvdial.Connector{Name: "mycluster.default.mysql.orca.internal", Config: cfg})
package srvdial
