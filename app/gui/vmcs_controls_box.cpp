#include "app/gui/vmcs_controls_box.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QVBoxLayout>
#include <QRegularExpression>

#include "core/error.h"

namespace vl::gui {

namespace {

using Flag = bool vm::VmcsControls::*;

// The VmcsControls members a VMM chooses, by the name settings() gives them.
const std::map<std::string, Flag>& flags() {
    static const std::map<std::string, Flag> table{
        {"HLT exiting", &vm::VmcsControls::hlt_exiting},
        {"INVLPG exiting", &vm::VmcsControls::invlpg_exiting},
        {"RDTSC exiting", &vm::VmcsControls::rdtsc_exiting},
        {"CR3-load exiting", &vm::VmcsControls::cr3_load_exiting},
        {"unconditional I/O exiting", &vm::VmcsControls::unconditional_io_exiting},
        {"use I/O bitmaps", &vm::VmcsControls::use_io_bitmaps},
        {"RDMSR exiting (MSR read bitmaps)", &vm::VmcsControls::rdmsr_exiting},
        {"WRMSR exiting (MSR write bitmaps)", &vm::VmcsControls::wrmsr_exiting},
        {"CR0 guest/host mask", &vm::VmcsControls::cr0_write_exiting},
    };
    return table;
}

constexpr const char* kExceptionBitmap = "exception bitmap";

// The exceptions a kernel like the built-in guest meets (Intel SDM Vol. 3A Table 6-1).
struct Vector {
    int number;
    const char* mnemonic;
};
constexpr Vector kVectors[] = {{0, "#DE"}, {3, "#BP"}, {6, "#UD"}, {13, "#GP"}, {14, "#PF"}};

}  // namespace

VmcsControlsBox::VmcsControlsBox(QWidget* parent)
    : QGroupBox(tr("What exits (hw mode; applied on the next run)"), parent) {
    setObjectName("vmcsControlsBox");
    // One column: the pane may be as narrow as MainWindow::kMinPaneWidth.
    auto* column = new QVBoxLayout(this);
    auto place = [column](QWidget* w) { column->addWidget(w); };
    QWidget* exception_row = nullptr;  // under the others
    for (const auto& setting : vm::VmcsControls().settings()) {
        const QString name = QString::fromStdString(setting.name);
        const QString field = QString::fromStdString(setting.field);
        if (setting.name == kExceptionBitmap) {
            exception_row = new QWidget;
            auto* line = new QHBoxLayout(exception_row);
            line->setContentsMargins(0, 0, 0, 0);
            for (const Vector& v : kVectors) {
                auto* box = new QCheckBox(QString::fromLatin1(v.mnemonic));
                box->setObjectName(QStringLiteral("exception%1").arg(v.number));
                box->setToolTip(tr("%1, bit %2: vector %2 (%3) exits before it reaches the guest's IDT")
                                    .arg(field).arg(v.number).arg(QString::fromLatin1(v.mnemonic)));
                connect(box, &QCheckBox::toggled, this, &VmcsControlsBox::changed);
                line->addWidget(box);
                exceptions_[v.number] = box;
            }
            line->addStretch(1);
            continue;
        }
        auto* box = new QCheckBox(name);
        box->setObjectName(name);
        const auto flag = flags().find(setting.name);
        if (setting.fixed || flag == flags().end()) {
            // Not a choice in this monitor: shown as it is set, with why.
            box->setChecked(true);
            box->setEnabled(false);
            box->setToolTip(tr("%1: %2 (always, in this monitor)").arg(field, QString::fromStdString(setting.value)));
        } else {
            box->setToolTip(field);
            connect(box, &QCheckBox::toggled, this, &VmcsControlsBox::changed);
        }
        boxes_[setting.name] = box;
        place(box);
        if (setting.name == "use I/O bitmaps") {
            ports_ = new QLineEdit;
            ports_->setObjectName("ioBitmapPorts");
            ports_->setPlaceholderText(tr("ports that exit, e.g. 0x3f8 0x80"));
            ports_->setToolTip(tr("I/O bitmaps A and B: one bit per port; a set bit makes that port exit"));
            connect(ports_, &QLineEdit::editingFinished, this, &VmcsControlsBox::changed);
            place(ports_);
        }
    }
    if (exception_row) {
        column->addWidget(new QLabel(tr("Exception bitmap (these vectors exit):")));
        column->addWidget(exception_row);
    }
    column->addStretch(1);
    setControls(vm::VmcsControls());
}

QCheckBox* VmcsControlsBox::checkBox(const QString& name) const {
    if (name.startsWith(QString::fromLatin1(kExceptionBitmap) + ": ")) {
        const auto it = exceptions_.find(name.section(": ", 1).toInt());
        return it == exceptions_.end() ? nullptr : it->second;
    }
    const auto it = boxes_.find(name.toStdString());
    return it == boxes_.end() ? nullptr : it->second;
}

void VmcsControlsBox::setControls(const vm::VmcsControls& controls) {
    const QSignalBlocker block(this);
    for (const auto& [name, flag] : flags())
        if (const auto it = boxes_.find(name); it != boxes_.end() && it->second->isEnabled())
            it->second->setChecked(controls.*flag);
    for (const auto& [vector, box] : exceptions_) box->setChecked((controls.exception_bitmap >> vector) & 1);
    if (ports_) {
        QStringList ports;
        for (uint16_t port : controls.io_bitmap) ports << QStringLiteral("0x%1").arg(port, 0, 16);
        ports_->setText(ports.join(' '));
    }
}

vm::VmcsControls VmcsControlsBox::controls() const {
    vm::VmcsControls out;
    for (const auto& [name, flag] : flags())
        if (const auto it = boxes_.find(name); it != boxes_.end() && it->second->isEnabled())
            out.*flag = it->second->isChecked();
    out.exception_bitmap = 0;
    for (const auto& [vector, box] : exceptions_)
        if (box->isChecked()) out.exception_bitmap |= 1u << vector;
    if (ports_) {
        static const QRegularExpression separators(QStringLiteral("[\\s,]+"));
        for (const QString& word : ports_->text().split(separators, Qt::SkipEmptyParts)) {
            bool ok = false;
            const uint port = word.toUInt(&ok, 0);
            if (!ok || port > 0xFFFF)
                throwInput("VMCS controls, I/O bitmap ports: '" + word.toStdString() +
                           "' is not a port number (0 to 0xffff, e.g. 0x3f8)");
            out.io_bitmap.push_back(static_cast<uint16_t>(port));
        }
    }
    return out;
}

}  // namespace vl::gui
