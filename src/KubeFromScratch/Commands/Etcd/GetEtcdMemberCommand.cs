using System.Management.Automation;
using KubeFromScratch.Engine.Etcd;

namespace KubeFromScratch.Commands.Etcd;

/// <summary>
/// <para type="synopsis">Lists the members of an etcd cluster, like `etcdctl member list`.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "EtcdMember", DefaultParameterSetName = "Endpoint")]
[OutputType(typeof(EtcdMember))]
public sealed class GetEtcdMemberCommand : EtcdCmdlet
{
    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        var options = BuildOptions();
        if (options is null)
        {
            return;
        }

        try
        {
            var (members, route) = Run((queue, token) => EtcdHealthChecker.ListMembersAsync(options, queue.WriteVerbose, token));
            WriteVerbose($"Listed {members.Count} members ({route}).");
            foreach (var member in members)
            {
                WriteObject(member);
            }
        }
        catch (KfsException ex)
        {
            WriteError(ToErrorRecord(ex));
        }
    }
}
