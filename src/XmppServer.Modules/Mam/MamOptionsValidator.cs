using Microsoft.Extensions.Options;

namespace XmppServer.Modules.Mam;

/// <summary>Checks the [Range] of <see cref="MamOptions"/> at start-up.</summary>
[OptionsValidator]
public sealed partial class MamOptionsValidator : IValidateOptions<MamOptions>;
