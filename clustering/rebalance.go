package clustering

import (
	"context"
	"encoding/json"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/events"
	"github.com/orca-operator/orca/topology"
)

// movedMembers reads the members the current rebalance moved (member -> the node it left). A value that is not
// a JSON object of strings counts as nothing moved: at worst a member is moved once more.
func movedMembers(c *v1.InnoDBCluster) map[string]string {
	moved := map[string]string{}
	if raw, ok := c.Annotations[v1.AnnotationRebalanceMoved]; ok {
		if err := json.Unmarshal([]byte(raw), &moved); err != nil {
			return map[string]string{}
		}
	}
	return moved
}

// recordMove adds the member and the node it leaves to the rebalance's record, before its pod is deleted: a
// member is moved at most once per request, across passes and operator restarts.
func (l *loop) recordMove(ctx context.Context, member, node string) error {
	var c v1.InnoDBCluster
	if err := l.m.Client.Get(ctx, l.key, &c); err != nil {
		return fmt.Errorf("get cluster: %w", err)
	}
	moved := movedMembers(&c)
	moved[member] = node
	raw, err := json.Marshal(moved)
	if err != nil {
		return fmt.Errorf("encode moved members: %w", err)
	}
	// No optimistic lock: every status write changes the resourceVersion, and only this loop, one action at
	// a time, writes the key; the merge patch carries this one key.
	patch := client.MergeFrom(c.DeepCopy())
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[v1.AnnotationRebalanceMoved] = string(raw)
	if err := l.m.Client.Patch(ctx, &c, patch); err != nil {
		return fmt.Errorf("record the move of %s: %w", member, err)
	}
	return nil
}

// endRebalance removes the request and its record once topology says it is done, with an event; a record
// left without a request (the user removed the annotation) is removed too.
func (l *loop) endRebalance(ctx context.Context, o *observation, d *topology.Decision) error {
	_, recorded := o.cluster.Annotations[v1.AnnotationRebalanceMoved]
	if !o.topo.Requests.Rebalance {
		if recorded {
			return l.dropAnnotation(ctx, v1.AnnotationRebalanceMoved)
		}
		return nil
	}
	for _, f := range d.Findings {
		if f.Reason != topology.ReasonRebalanceDone {
			continue
		}
		if err := l.dropAnnotation(ctx, v1.AnnotationRebalance, v1.AnnotationRebalanceMoved); err != nil {
			return err
		}
		events.Emit(l.m.Recorder, o.cluster, nil, events.RebalanceDone, "%s", f.Message)
		return nil
	}
	return nil
}
