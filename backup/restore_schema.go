package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// restoreTables creates the databases and the tables not recorded yet, each as its plan says (a table
// half-created by a killed run is dropped and created again: no chunk of it can have been loaded before its
// record).
func restoreTables(ctx context.Context, c *sql.Conn, p *progress, m *Manifest, plans []tableKeys) error {
	for _, d := range m.Databases {
		stmt, ok := strings.CutPrefix(d.CreateSQL, "CREATE DATABASE ")
		if !ok {
			return fmt.Errorf("%w: database %s: unexpected DDL", ErrCorrupt, d.Name)
		}
		stmt = "CREATE DATABASE IF NOT EXISTS " + strings.TrimPrefix(stmt, "IF NOT EXISTS ")
		if err := execAll(ctx, c, stmt); err != nil {
			return fmt.Errorf("create database %s: %w", d.Name, err)
		}
	}
	for i, d := range m.Databases {
		item := fmt.Sprintf("sequences:%05d", i)
		if len(d.Sequences) == 0 || p.done(item) {
			continue
		}
		if err := restoreSequences(ctx, c, d); err != nil {
			return err
		}
		if err := p.record(ctx, c, item); err != nil {
			return err
		}
	}
	for i, t := range m.Tables {
		item := fmt.Sprintf("table:%05d", i)
		if p.done(item) {
			continue
		}
		err := execAll(ctx, c, "USE "+quoteIdent(t.Database),
			"DROP TABLE IF EXISTS "+quoteIdent(t.Database)+"."+quoteIdent(t.Name), plans[i].create)
		if err != nil {
			return fmt.Errorf("create table %s.%s: %w", t.Database, t.Name, err)
		}
		if err := p.record(ctx, c, item); err != nil {
			return err
		}
	}
	return nil
}

// restoreObjects creates views, routines, triggers and events (after the data, so no trigger fires on it), then
// the accounts. Each object is dropped first, so a killed run's partial work is redone.
func restoreObjects(ctx context.Context, c *sql.Conn, p *progress, m *Manifest, users bool) error {
	for i, d := range m.Databases {
		item := fmt.Sprintf("objects:%05d", i)
		if p.done(item) {
			continue
		}
		if err := restoreDatabaseObjects(ctx, c, d); err != nil {
			return fmt.Errorf("objects of %s: %w", d.Name, err)
		}
		if err := p.record(ctx, c, item); err != nil {
			return err
		}
	}
	if !users || len(m.Users) == 0 || p.done("users") {
		return nil
	}
	if err := execAll(ctx, c, m.Users...); err != nil {
		return fmt.Errorf("restore users: %w", err)
	}
	return p.record(ctx, c, "users")
}

func restoreDatabaseObjects(ctx context.Context, c *sql.Conn, d Database) error {
	if err := execAll(ctx, c, "USE "+quoteIdent(d.Name)); err != nil {
		return err
	}
	if err := createViews(ctx, c, d.Views); err != nil {
		return err
	}
	for _, r := range d.Routines {
		if r.Kind != "PROCEDURE" && r.Kind != "FUNCTION" {
			return fmt.Errorf("%w: routine %s has kind %q", ErrCorrupt, r.Name, r.Kind)
		}
		if err := createObject(ctx, c, r.Kind, r); err != nil {
			return err
		}
	}
	for _, t := range d.Triggers {
		if err := createObject(ctx, c, "TRIGGER", t); err != nil {
			return err
		}
	}
	for _, e := range d.Events {
		if err := createObject(ctx, c, "EVENT", e); err != nil {
			return err
		}
	}
	return nil
}

// createViews creates views in passes: a view over a view not created yet fails (1146) and waits for the next.
func createViews(ctx context.Context, c *sql.Conn, views []Object) error {
	pending := views
	for len(pending) > 0 {
		var next []Object
		var lastErr error
		for _, v := range pending {
			err := createObject(ctx, c, "VIEW", v)
			if isMissingTable(err) {
				next, lastErr = append(next, v), err
				continue
			}
			if err != nil {
				return err
			}
		}
		if len(next) == len(pending) {
			return lastErr
		}
		pending = next
	}
	return nil
}

func isMissingTable(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1146
}

// createObject drops and creates one object under the sql_mode it was created with.
func createObject(ctx context.Context, c *sql.Conn, kind string, o Object) error {
	if _, err := c.ExecContext(ctx, "SET SESSION sql_mode = ?", o.SQLMode); err != nil {
		return fmt.Errorf("%s %s: set sql_mode: %w", kind, o.Name, err)
	}
	defer func() { _ = execAll(context.WithoutCancel(ctx), c, restoreSession[0]) }()
	if _, err := c.ExecContext(ctx, "DROP "+kind+" IF EXISTS "+quoteIdent(o.Name)); err != nil {
		return fmt.Errorf("drop %s %s: %w", kind, o.Name, err)
	}
	if _, err := c.ExecContext(ctx, o.SQL); err != nil {
		return fmt.Errorf("create %s %s: %w", kind, o.Name, err)
	}
	return nil
}
