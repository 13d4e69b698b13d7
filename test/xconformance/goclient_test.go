package xconformance

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/orca-operator/orca/xprotocol"
	"github.com/orca-operator/orca/xprotocol/wire"
)

// The same matrix as the connector's, with Orca's own client.

func goDial(t *testing.T, m *member, user, password, auth string, mode xprotocol.TLSMode) (*xprotocol.Session, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := xprotocol.Dial(ctx, m.addr, xprotocol.Config{User: user, Password: password, Auth: auth, TLSMode: mode})
	if err == nil {
		t.Cleanup(func() { _ = s.Close() })
	}
	return s, err
}

func wantGoError(t *testing.T, err error, code uint32) {
	t.Helper()
	var xe *wire.Error
	if !errors.As(err, &xe) || xe.Code != code {
		t.Fatalf("err = %v, want ERROR %d", err, code)
	}
}

func TestGoClientMatrix(t *testing.T) {
	m := startMember(t)
	for _, auth := range []string{wire.AuthMySQL41, ""} {
		s, err := goDial(t, m, nativeUser, nativePassword, auth, xprotocol.TLSDisabled)
		if err != nil {
			t.Fatal(err)
		}
		checkGoData(t, s, nativeUser, wire.AuthMySQL41, false)
	}
	_, err := goDial(t, m, sha2User, sha2Password, "", xprotocol.TLSDisabled)
	wantGoError(t, err, 1045)
	s, err := goDial(t, m, sha2User, sha2Password, "", xprotocol.TLSRequired)
	if err != nil {
		t.Fatal(err)
	}
	checkGoData(t, s, sha2User, wire.AuthPlain, true)
	for _, auth := range []string{wire.AuthSHA256Memory, ""} {
		s, err := goDial(t, m, sha2User, sha2Password, auth, xprotocol.TLSDisabled)
		if err != nil {
			t.Fatal(err)
		}
		checkGoData(t, s, sha2User, wire.AuthSHA256Memory, false)
	}
	_, err = goDial(t, m, nativeUser, "wrong", wire.AuthMySQL41, xprotocol.TLSDisabled)
	wantGoError(t, err, 1045)
	_, err = goDial(t, m, sha2User, "wrong", "", xprotocol.TLSRequired)
	wantGoError(t, err, 1045)
	_, err = goDial(t, m, "nobody", "x", "", xprotocol.TLSDisabled)
	wantGoError(t, err, 1045)
}

func checkGoData(t *testing.T, s *xprotocol.Session, user, mech string, tls bool) {
	t.Helper()
	ctx := context.Background()
	res, err := s.Execute(ctx, "SELECT typed")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"-5", "18446744073709551615", "3.25", "1.5", "héllo", "\x00\xff", "-01:02:03.000004",
		"-12.340", "2024-02-29 13:14:15.123456", "2024-03-01", "a,c", "b", "5", "NULL"}
	row := res.Sets[0].Rows[0]
	for i, w := range want {
		if got := row[i].String(); got != w {
			t.Errorf("column %s = %q, want %q", res.Sets[0].Columns[i].Name, got, w)
		}
	}
	if row[0].Kind != wire.KindInt || row[1].Kind != wire.KindUint || row[12].Kind != wire.KindBit ||
		row[13].Kind != wire.KindNull || row[8].DateTime.Time(nil).Nanosecond() != 123456000 {
		t.Errorf("kinds: %v %v %v %v", row[0].Kind, row[1].Kind, row[12].Kind, row[13].Kind)
	}
	res, err = s.Execute(ctx, "SELECT ?, ?, ?, ?", wire.Sint(-7), wire.String("x"), wire.Double(2.5),
		wire.Bool(true))
	if err != nil || res.Sets[0].Rows[0][0].Int != -7 || string(res.Sets[0].Rows[0][1].Bytes) != "x" ||
		res.Sets[0].Rows[0][2].Float != 2.5 || res.Sets[0].Rows[0][3].Int != 1 {
		t.Errorf("echoed arguments %+v, %v", res, err)
	}
	res, err = s.Execute(ctx, "SELECT multi")
	if err != nil || len(res.Sets) != 2 || len(res.Sets[1].Rows) != 2 || res.Sets[1].Rows[1][0].Int != 21 {
		t.Errorf("multiple result sets %+v, %v", res, err)
	}
	res, err = s.Execute(ctx, "INSERT INTO t VALUES (1), (2), (3)")
	if err != nil || res.RowsAffected != 3 || res.LastInsertID != 42 || len(res.Warnings) != 1 ||
		res.Warnings[0].Code != 1265 {
		t.Errorf("insert %+v, %v", res, err)
	}
	_, err = s.Execute(ctx, "SELECT nosuch")
	var xe *wire.Error
	if !errors.As(err,
		&xe) || xe.Code != 1146 || xe.SQLState != "42S02" || xe.Msg != "Table 'orca.nosuch' doesn't exist" {
		t.Errorf("error %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("ping: %v", err)
	}
	res, err = s.Execute(ctx, "SELECT @@orca_session")
	if err != nil {
		t.Fatal(err)
	}
	r := res.Sets[0].Rows[0]
	if r[0].String() != user || r[1].String() != mech || (r[2].Int == 1) != tls || r[3].String() != "go-xprotocol" {
		t.Errorf("server-side session %v", r)
	}
	if s.AuthMechanism() != mech || s.TLS() != tls {
		t.Errorf("client side: mech %s tls %v", s.AuthMechanism(), s.TLS())
	}
}
