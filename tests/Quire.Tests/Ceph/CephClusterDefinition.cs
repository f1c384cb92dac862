namespace Quire.Tests.Ceph;

/// <summary>The "Ceph" test collection: its classes share one cluster and run one at a time.</summary>
[CollectionDefinition("Ceph")]
public sealed class CephClusterDefinition : ICollectionFixture<CephClusterFixture>;
