package e2e

import (
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orca-operator/orca/test/apicount"
)

// steadyPasses is how many completed passes of a settled cluster's loop must send nothing to the API server.
const steadyPasses = 10

// operatorWide are requests that do not belong to any cluster's passes: the CRD drift check reads the CRDs once a
// minute for the whole operator.
var operatorWide = map[string]bool{"customresourcedefinitions": true}

// Once the sample is ONLINE and has settled (three passes in a row sent nothing), its loop's next passes send no
// request at all: no write (status, labels, readiness gates, events) and no read past the informer caches
// (Secrets, Pods, the StatefulSet, nodes). Watches stay open, so a request counted here is a write or an
// uncached read.
func steadyStateIsQuiet(t *testing.T, h *harness) {
	c := h.createSample(t)
	c.waitOnline(90 * time.Second)
	passes := h.passCounter(client.ObjectKeyFromObject(c.obj))
	var last []string
	settled := false
	for deadline := time.Now().Add(60 * time.Second); !settled && time.Now().Before(deadline); {
		if last = requestsOver(t, h, passes, 3); len(last) == 0 {
			settled = true
		}
	}
	if !settled {
		t.Fatalf("the cluster never settled: its passes still send %s", strings.Join(last, ", "))
	}
	if sent := requestsOver(t, h, passes, steadyPasses); len(sent) > 0 {
		t.Fatalf("%d passes of a settled cluster sent %s; want no request", steadyPasses, strings.Join(sent, ", "))
	}
}

// requestsOver waits for n more completed passes and returns the requests sent meanwhile (perPass).
func requestsOver(t *testing.T, h *harness, passes *atomic.Int64, n int64) []string {
	before, from := h.Requests.Counts(), passes.Load()
	eventually(t, 60*time.Second, func() error {
		if done := passes.Load() - from; done < n {
			return fmt.Errorf("%d of %d passes", done, n)
		}
		return nil
	})
	return perPass(h.Requests.Since(before))
}

// perPass lists the requests that are not watches and not operator-wide, by verb.
func perPass(counts map[apicount.Access]int) []string {
	var out []string
	for a, n := range counts {
		if a.Verb == "watch" || operatorWide[a.Resource] {
			continue
		}
		out = append(out, fmt.Sprintf("%s x%d", a, n))
	}
	sort.Strings(out)
	return out
}
