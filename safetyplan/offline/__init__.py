"""The plan kept on the person's (or carer's) own device, for when there is no signal: the devices that keep a copy,
what each copy holds, and forgetting a device."""
