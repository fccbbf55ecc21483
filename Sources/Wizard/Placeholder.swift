enum WizardPlaceholder {}
