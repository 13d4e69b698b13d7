package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func TestSamplesGetARouterAndThePodRunnerForwardsItsPorts(t *testing.T) {
	samples, err := loadSamples(repoRoot(t))
	if err != nil || len(samples) == 0 {
		t.Fatalf("samples %v %v", samples, err)
	}
	c := samples[0]
	if c.Namespace != "default" || !c.RouterEnabled() || c.RouterInstances() != v1.DefaultRouterInstances {
		t.Fatalf("sample %s/%s router %+v", c.Namespace, c.Name, c.Spec.Router)
	}
	args := strings.Join(podrunnerArgs("/repo/bin/orca", "/state", "/state/pods", samples), " ")
	for _, want := range []string{"--image orca:dev=/repo/bin/orca", "--member-map /state/members.json",
		"--proxy default/" + c.Name + ":6446,6447,6448,6449", "--address-map /state/pods.json",
		"--proxy-any-port default/" + c.Name + ":3306", "--service-map /state/services.json",
		"--scratch-mysql-image " + c.MySQLImage()} {
		if !strings.Contains(args, want) {
			t.Errorf("podrunner args %q lack %q", args, want)
		}
	}
	noRouter := c.DeepCopy()
	noRouter.Spec.Router = &v1.RouterSpec{Instances: new(int32)}
	if args := strings.Join(podrunnerArgs("o", "s", "p", []*v1.InnoDBCluster{noRouter}), " "); strings.Contains(args,
		"--proxy") {
		t.Errorf("a sample without routers is forwarded: %s", args)
	}
	notes := strings.Join(routerNotes(c, nil), "\n")
	for _, want := range []string{"mariadb -h 127.0.0.1 -P 6446 -u root -p", "mariadb -h 127.0.0.1 -P 6447 -u root -p",
		"kubectl get secret " + c.Name + "-credentials -n default -o jsonpath='{.data.rootPassword}' | base64 -d"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
}

// serveOnce answers one connection with the given first packet.
func serveOnce(t *testing.T, packet []byte) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		_, _ = c.Write(packet)
		time.Sleep(100 * time.Millisecond)
		_ = c.Close()
	}()
	return l.Addr().String()
}

func TestGreetingTellsAServerFromARefusal(t *testing.T) {
	ctx := context.Background()
	if err := greeting(ctx, serveOnce(t, []byte{1, 0, 0, 0, 10})); err != nil {
		t.Fatalf("a handshake: %v", err)
	}
	if err := greeting(ctx, serveOnce(t, []byte{9, 0, 0, 0, 0xff, 1, 2})); err == nil ||
		!strings.Contains(err.Error(), "refused") {
		t.Fatalf("an error packet: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	wctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	defer cancel()
	if err := waitGreeting(wctx, addr); err == nil {
		t.Fatal("nothing listens, yet the wait succeeded")
	}
}
