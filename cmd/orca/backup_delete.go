package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/orca-operator/orca/backup"
)

// newDeleteBackupCommand is `orca delete-backup`: the Job retention runs to delete an expired backup's objects,
// so the operator itself never holds S3 credentials.
func newDeleteBackupCommand() *cobra.Command {
	var (
		sf             storageFlags
		terminationLog string
	)
	cmd := &cobra.Command{
		Use:   "delete-backup",
		Short: "Delete one backup's objects from S3, its manifest first",
		Long: "Deletes every object under <prefix>/<backup-id>/ of the bucket: the manifest first (a deletion cut " +
			"short leaves an incomplete backup, never restored), then the chunks and any unfinished multipart " +
			"upload. S3 credentials come from " + envS3AccessKey + " and " + envS3SecretKey + ". Prints a JSON " +
			"summary on stdout.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := sf.store()
			if err != nil {
				return err
			}
			n, err := backup.Delete(cmd.Context(), st)
			if err != nil {
				err = fmt.Errorf("delete %s: %w", st.Location(), err)
				writeTerminationLog(terminationLog, err.Error())
				return err
			}
			out, err := json.Marshal(map[string]any{"location": st.Location(), "deletedObjects": n})
			if err != nil {
				return err
			}
			_, _ = fmt.Fprintln(cmd.OutOrStdout(), string(out))
			writeTerminationLog(terminationLog, string(out))
			return nil
		},
	}
	sf.bind(cmd.Flags())
	cmd.Flags().StringVar(&terminationLog, "termination-log", "",
		"file that receives the JSON summary, or the error (the operator reads it as the termination message)")
	return cmd
}
