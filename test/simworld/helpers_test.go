package simworld

import "k8s.io/apimachinery/pkg/types"

func uid(s string) types.UID { return types.UID(s) }
