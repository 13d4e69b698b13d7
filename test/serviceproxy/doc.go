// Package serviceproxy is the smallest faithful piece of kube-proxy a simulated control plane needs: for chosen
// Services it listens on loopback and forwards each connection to one ready endpoint, as a ClusterIP does. The
// endpoints are the real EndpointSlice controller's; an endpoint's pod is mapped to the loopback address its
// processes listen on through a Resolver (test/podrunner for pods run as processes, test/simworld for MySQL
// members), never to the fake pod IP in the slice. A Service port listens only while it has a ready endpoint:
// without one, connections are refused, as kube-proxy rejects them.
package serviceproxy
