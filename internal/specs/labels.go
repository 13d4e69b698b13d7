package specs

import (
	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// SelectorLabels select every member pod of the cluster.
func SelectorLabels(c *v1.InnoDBCluster) map[string]string {
	return map[string]string{v1.LabelCluster: c.Name, v1.LabelComponent: v1.ComponentMySQL}
}

// RouterSelectorLabels select every router pod of the cluster.
func RouterSelectorLabels(c *v1.InnoDBCluster) map[string]string {
	return map[string]string{v1.LabelCluster: c.Name, v1.LabelComponent: v1.ComponentRouter}
}

// ObjectLabels are put on every object Orca creates for the cluster.
func ObjectLabels(c *v1.InnoDBCluster) map[string]string {
	return map[string]string{v1.LabelCluster: c.Name, v1.LabelManagedBy: v1.ManagedByOrca}
}

func merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
