package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/orca-operator/orca/internal/specs"
)

type initOptions struct {
	baseServerID int64
	service      string
	clusterZone  string
	templateDir  string
	outputDir    string
	// tlsMemberCerts points the member at its own certificate in Orca's <name>-tls Secret.
	tlsMemberCerts bool
}

func newInitCommand() *cobra.Command {
	var o initOptions
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Prepare a MySQL member configuration (init container of member pods)",
		Long: "Copies the cluster's shared my.cnf into the server's configuration folder and writes the member's\n" +
			"options (server_id from the pod ordinal, report_host, group_replication_local_address).\n" +
			"Reads POD_NAME and POD_NAMESPACE from the environment.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runInit(o, os.Getenv("POD_NAME"), os.Getenv("POD_NAMESPACE"))
		},
	}
	f := cmd.Flags()
	f.Int64Var(&o.baseServerID, "base-server-id", 1000, "added to the pod ordinal to give server_id")
	f.StringVar(&o.service, "service", "", "headless Service that gives members their DNS names")
	f.StringVar(&o.clusterZone, "cluster-zone", "cluster.local", "the cluster's DNS zone")
	f.StringVar(&o.templateDir, "template-dir", "/orca/mycnf", "folder of the shared my.cnf (ConfigMap)")
	f.StringVar(&o.outputDir, "output-dir", "/etc/mysql/conf.d", "folder mysqld reads extra options from")
	f.BoolVar(&o.tlsMemberCerts, "tls-member-certs", false,
		"use the pod's own certificate <pod>.crt and key <pod>.key of the TLS volume (Orca's CA)")
	return cmd
}

func runInit(o initOptions, pod, namespace string) error {
	if pod == "" || namespace == "" || o.service == "" {
		return fmt.Errorf("POD_NAME, POD_NAMESPACE and --service are required")
	}
	ordinal, err := specs.Ordinal(pod)
	if err != nil {
		return err
	}
	shared, err := os.ReadFile(filepath.Join(o.templateDir, specs.MyCnfKey))
	if err != nil {
		return fmt.Errorf("read shared config: %w", err)
	}
	host := fmt.Sprintf("%s.%s.%s.svc.%s", pod, o.service, namespace, o.clusterZone)
	files := map[string]string{
		"50-orca-cluster.cnf": string(shared),
		"60-orca-member.cnf":  specs.RenderMemberCnf(o.baseServerID, ordinal, host),
	}
	if o.tlsMemberCerts {
		files["61-orca-member-tls.cnf"] = specs.RenderMemberTLSCnf(pod)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(o.outputDir, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	fmt.Printf("member %s: server_id=%d report_host=%s\n", pod, o.baseServerID+int64(ordinal), host)
	return nil
}
