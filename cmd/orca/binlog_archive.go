package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/orca-operator/orca/backup/pitr"
	"github.com/orca-operator/orca/binlog"
	"github.com/orca-operator/orca/memberdial"
)

func newBinlogArchiveCommand() *cobra.Command {
	var (
		sf           storageFlags
		c            pitr.Config
		opts         zap.Options
		devMemberMap string
		tf           tlsFlags
	)
	cmd := &cobra.Command{
		Use:   "binlog-archive",
		Short: "Archive a cluster's binary log to S3 continuously, for point-in-time recovery",
		Long: "Follows the primary (the first writable --source, else any) as a replica and uploads its binary log " +
			"in segments of whole transactions under <prefix>/_pitr/, at least every --segment-interval, each " +
			"followed by an index entry with its GTIDs, times and SHA-256. Resumes after the last index entry; " +
			"moves to another source when its source goes away. The replication account comes from " +
			envBackupUser + " and " + envBackupPassword + ", S3 credentials from " + envS3AccessKey + " and " +
			envS3SecretKey + ".",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return archiveCommand(cmd.Context(), sf, c, &opts, devMemberMap, tf)
		},
	}
	f := cmd.Flags()
	sf.bindBucket(f)
	f.StringSliceVar(&c.Sources, "source", nil, "a member's host:port (repeat for each; the writable one is followed)")
	f.Uint32Var(&c.ServerID, "server-id", binlog.DefaultServerID, "replica server_id to register with")
	f.DurationVar(&c.SegmentInterval, "segment-interval", pitr.DefaultSegmentInterval,
		"the longest a received transaction waits before its segment is uploaded")
	f.IntVar(&c.SegmentBytes, "segment-bytes", pitr.DefaultSegmentBytes, "cut a segment at this many bytes")
	f.DurationVar(&c.HeartbeatInterval, "heartbeat-interval", pitr.DefaultHeartbeatInterval,
		"how often the archiver writes <prefix>/"+pitr.HeartbeatKey+" (the operator judges it down from its age)")
	f.StringVar(&c.StartFrom, "start-from", "",
		"GTID set an empty archive starts after (default: the oldest binary log)")
	f.StringVar(&devMemberMap, "dev-member-map", os.Getenv(envDevMemberMap),
		"development only: JSON file mapping member host names to loopback addresses")
	tf.bind(f)
	bindZap(f, &opts)
	return cmd
}

// archiveCommand runs `orca binlog-archive` until SIGTERM, which uploads what was received before it exits.
func archiveCommand(ctx context.Context, sf storageFlags, c pitr.Config, opts *zap.Options, devMemberMap string,
	tf tlsFlags) error {
	st, err := sf.cluster()
	if err != nil {
		return err
	}
	c.Store, c.User, c.Password = st, envOr(envBackupUser, "root"), os.Getenv(envBackupPassword)
	c.Log = zap.New(zap.UseFlagOptions(opts)).WithName("binlog-archive")
	if c.Dialer = memberdial.Direct(); devMemberMap != "" {
		c.Dialer = memberdial.NewLoopbackFile(devMemberMap)
	}
	if c.TLS, err = tf.config(); err != nil {
		return err
	}
	a, err := pitr.New(c)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return ignoreCanceled(a.Run(ctx))
}

// ignoreCanceled makes a stop by signal (the pod asked to terminate) a clean exit.
func ignoreCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
